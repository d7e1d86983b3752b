"""定级报告 (2025 structure, MLPS-FACTS §5.3): context, missing fields, rendering.

Context keys a replacement template may use: ``unit`` and ``system`` (display text, see
``common``), ``report_date``, the five 一、定级对象描述 parts as paragraph lists
(``responsible_subject``, ``composition``, ``carried_business``, ``carried_data``,
``security_responsibility``), ``data_categories`` (rows), ``topology`` (the picture, or
None), ``business`` and ``service`` (one dimension each: ``level_name``, ``description``,
``objects_text``, ``degree_texts``, ``matrix``, ``conclusion``), and ``level_name``,
``sa``, ``summary`` for 三、安全保护等级.
"""

from __future__ import annotations

from pathlib import Path

from ..filing import REPORT_REQUIRED, GradingRecord, SystemProfile, Unit
from ..grading import DEGREES, MATRIX, OBJECTS, DimensionResult, Harm
from . import builder
from .common import (
    MARK,
    MARK_FILL,
    RECORD_LABELS,
    SYSTEM_LABELS,
    TEMPLATES,
    UNIT_LABELS,
    cn_date,
    data_rows,
    level_name,
    missing,
    paragraphs,
    system_context,
    unit_context,
)

TEMPLATE = TEMPLATES / "grading-report-2025.docx"


def grading_report_context(unit: Unit, system: SystemProfile, record: GradingRecord) -> dict:
    """Everything the 定级报告 prints, as text ready for the template."""
    g = record.grading
    return {
        "unit": unit_context(unit),
        "system": system_context(system),
        "report_date": cn_date(record.graded_on),
        "responsible_subject": paragraphs(system.responsible_subject),
        "composition": paragraphs(system.composition),
        "carried_business": paragraphs(system.carried_business),
        "carried_data": paragraphs(system.carried_data),
        "security_responsibility": paragraphs(system.security_responsibility),
        "data_categories": data_rows(system.data_categories),
        "topology": None,  # replaced by the picture when the system has one
        "business": dimension_context(g.business, record.business_description, "业务信息", table=1),
        "service": dimension_context(g.service, record.service_description, "系统服务", table=2),
        "level": g.level,
        "level_name": level_name(g.level),
        "sa": g.sa,
        "summary": (
            f"{system.name}的业务信息安全保护等级为{level_name(g.business.level)}，"
            f"系统服务安全保护等级为{level_name(g.service.level)}。安全保护等级取两者中的较高者，"
            f"确定为{level_name(g.level)}（{g.sa}）。"
        ),
    }


def dimension_context(dim: DimensionResult, description: str, subject: str, *, table: int) -> dict:
    """One of 二（一）/（二）: description, harmed objects, degrees, the matrix and its result."""
    harms = sorted(dim.harms, key=lambda h: OBJECTS.index(h.obj))
    objects = "、".join(h.obj.full_name for h in harms)
    several = len(harms) > 1
    return {
        "level": dim.level,
        "level_name": level_name(dim.level),
        "description": paragraphs(description),
        "objects_text": f"{subject}受到破坏时，所侵害的客体为{objects}。",
        "degree_texts": [_degree_text(h) for h in harms],
        "matrix": matrix_rows(harms),
        "conclusion": (
            f"按表{table}{subject}安全保护等级矩阵（所确定的客体与侵害程度以“{MARK}”标出并加底纹），"
            + ("取各客体对应等级中的最高者，" if several else "")
            + f"{subject}安全保护等级为{level_name(dim.level)}。"
        ),
    }


def matrix_rows(harms: list[Harm] | tuple[Harm, ...]) -> list[dict]:
    """GB/T 22240 表2/表3 from ``grading.MATRIX``; the cells of ``harms`` marked and shaded."""
    chosen = {(h.obj, h.degree) for h in harms}
    rows = []
    for obj in OBJECTS:
        cells = []
        for degree in DEGREES:
            marked = (obj, degree) in chosen
            name = level_name(MATRIX[obj][degree])
            cells.append(
                {
                    "text": f"{MARK} {name}" if marked else name,
                    "fill": MARK_FILL if marked else "",
                    "marked": marked,
                }
            )
        rows.append({"object": obj.full_name, "cells": cells})
    return rows


def missing_for_grading_report(unit: Unit, system: SystemProfile, record: GradingRecord) -> list[str]:
    """Chinese names of what must be filled in before the 定级报告 can be made."""
    return [
        *missing(unit, ("name",), UNIT_LABELS),
        *missing(system, ("name", *REPORT_REQUIRED), SYSTEM_LABELS),
        *missing(record, ("business_description", "service_description", "graded_on"), RECORD_LABELS),
    ]


def render_grading_report(
    unit: Unit, system: SystemProfile, record: GradingRecord, *, template: Path | None = None
) -> bytes:
    """The 定级报告 as .docx bytes, with the system's topology picture when it has one."""
    images = {"topology": Path(system.topology_image)} if system.topology_image else {}
    context = grading_report_context(unit, system, record)
    return builder.render_docx(template or TEMPLATE, context, images=images)


def _degree_text(harm: Harm) -> str:
    why = harm.justification.strip().rstrip("。")
    return f"对{harm.obj.full_name}造成{harm.degree.full_name}" + (f"：{why}。" if why else "。")
