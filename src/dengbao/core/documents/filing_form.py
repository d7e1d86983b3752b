"""备案表: the 2025 form (表一–表六, MLPS-FACTS §5.2) and the legacy one (表一–表四, §5.1).

One context serves both layouts; ``layout`` only changes wording (审核/审批) and the
list of materials. Keys: ``layout``, ``unit`` (``common.unit_context`` plus
``systems_count``), the cover's ``form_number``, ``filing_date``, ``accepting_unit``,
``accepting_date``, and ``systems``: one entry per 定级对象 with ``common.system_context``
fields plus ``technology_boxes``, ``level_name``, ``business_rows`` / ``service_rows``
(表三's 客体×程度 tick lists), ``level_boxes``, ``graded_on``, the review and approval
boxes, ``scenarios`` (表四), ``materials`` (表五, legacy 表四) and ``data_categories`` (表六).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Literal

from ..filing import (
    SYSTEM_REQUIRED,
    TECHNOLOGY_TYPES,
    UNIT_REQUIRED,
    DataCategory,
    GradingRecord,
    Materials,
    SystemProfile,
    Unit,
)
from ..grading import DEGREES, MATRIX, OBJECTS, DimensionResult
from . import builder
from .common import (
    BLANK_DATE,
    LEVEL_NAMES,
    RECORD_LABELS,
    SYSTEM_CODES,
    SYSTEM_LABELS,
    TEMPLATES,
    UNIT_CODES,
    UNIT_LABELS,
    box,
    cn_date,
    data_rows,
    level_name,
    missing,
    system_context,
    unit_context,
    yes_no,
)

Layout = Literal["2025", "legacy"]
Filed = tuple[SystemProfile, GradingRecord, Materials]
TEMPLATE_FILES: dict[str, Path] = {
    "2025": TEMPLATES / "filing-form-2025.docx",
    "legacy": TEMPLATES / "filing-form-legacy.docx",
}
BLANK_FIELD = "　" * 12  # an underlined gap the police fill in by hand

# 表五 (2025) and 表四 (legacy, 第三级以上) — Materials field → what the attachment is.
MATERIALS_2025 = (
    ("topology", "定级对象拓扑结构及说明"),
    ("organisation_and_policies", "安全组织机构及安全管理制度"),
    ("remediation_plan", "安全建设整改方案（或安全保护设施设计实施方案）"),
    ("products_and_services", "所用安全产品和安全服务清单"),
    ("authority_documents", "上级主管部门审核定级的文件"),
    ("grading_report", "定级报告"),
    ("expert_review", "专家评审意见"),
)
MATERIALS_LEGACY = (
    ("topology", "系统拓扑结构及说明"),
    ("organisation_and_policies", "系统安全组织机构及管理制度"),
    ("remediation_plan", "系统安全保护设施设计实施方案或改建实施方案"),
    ("products_and_services", "系统使用的安全产品清单及认证、销售许可证明"),
    ("expert_review", "专家评审情况"),
    ("authority_documents", "上级主管部门审批意见"),
)
# 表四 应用场景补充: what a system using the technology must describe in an annex.
SCENARIO_NEEDS = {
    "cloud": "云服务角色（云服务商或云服务客户）、云平台名称、服务模式、云平台的等级与备案编号",
    "mobile": "移动终端类型、移动应用及无线接入方式",
    "iot": "感知层设备与传输层网络的构成",
    "ics": "功能层次与系统组成（现场设备、现场控制、过程监控、生产管理）",
    "bigdata": "平台、应用与数据资源的构成，平台规模，数据出境情况，基础设施与运维所在地",
}
DATA_CATEGORY_LABELS = {"data_level": "拟定数据级别", "volume": "数据总量", "storage": "存储位置"}


def filing_form_context(
    unit: Unit,
    systems: list[Filed],
    *,
    layout: Layout = "2025",
    filed_on: dt.date | None = None,
    form_number: str = "",
) -> dict:
    """Everything the 备案表 prints; ``filed_on`` and ``form_number`` stay blank lines when unknown."""
    if layout not in TEMPLATE_FILES:
        raise ValueError(f"unknown 备案表 layout {layout!r}: use '2025' or 'legacy'")
    counts = unit.systems_per_level or Counter(record.grading.level for _, record, _ in systems)
    total = sum(counts.values())
    per_level = "　".join(f"{name}{counts.get(level, 0)}个" for level, name in LEVEL_NAMES.items())
    filing_date = cn_date(filed_on, blank=BLANK_DATE)
    return {
        "layout": layout,
        "unit": {**unit_context(unit), "systems_count": f"共{total}个，其中：{per_level}"},
        "form_number": form_number or BLANK_FIELD,
        "filing_date": filing_date,
        "accepting_unit": BLANK_FIELD,
        "accepting_date": BLANK_DATE,
        "filled_by": unit.contact_name,
        "systems": [_system(s, r, m, layout) for s, r, m in systems],
    }


def _system(system: SystemProfile, record: GradingRecord, materials: Materials, layout: Layout) -> dict:
    g = record.grading
    used = set(system.technology_types)
    checked_by = "审核" if layout == "2025" else "审批"
    material_names = MATERIALS_2025 if layout == "2025" else MATERIALS_LEGACY
    return {
        **system_context(system),
        "technology_boxes": "　".join(
            [*(box(code in used, name) for code, name in TECHNOLOGY_TYPES), box(not used, "均未采用")]
        ),
        "level": g.level,
        "level_name": level_name(g.level),
        "sa": g.sa,
        "business_rows": harm_rows(g.business),
        "service_rows": harm_rows(g.service),
        "level_boxes": "　".join(box(level == g.level, name) for level, name in LEVEL_NAMES.items()),
        "graded_on": cn_date(record.graded_on),
        "expert_boxes": yes_no(record.expert_reviewed, "已评审", "未评审"),
        "authority_boxes": yes_no(bool(record.competent_authority), "有", "无"),
        "authority_name": record.competent_authority or "无",
        "approval_boxes": yes_no(record.authority_approved, f"已{checked_by}", f"未{checked_by}"),
        "report_boxes": yes_no(record.grading_report_attached, "有", "无"),
        "report_attachment": materials.grading_report or "无",
        "scenarios": [
            {
                "name": name,
                "used_boxes": yes_no(code in used, "涉及", "不涉及"),
                "needs": SCENARIO_NEEDS[code],
            }
            for code, name in TECHNOLOGY_TYPES
        ],
        "materials": [
            {
                "index": str(i),
                "name": name,
                "provided_boxes": yes_no(bool(getattr(materials, field)), "有", "无"),
                "attachment": getattr(materials, field) or "无",
            }
            for i, (field, name) in enumerate(material_names, 1)
        ],
        "data_categories": data_rows(system.data_categories),
    }


def harm_rows(dim: DimensionResult) -> list[dict]:
    """表三's tick list: per level, the (客体, 程度) pairs of ``grading.MATRIX`` that give it."""
    chosen = {(h.obj, h.degree) for h in dim.harms}
    rows = []
    for level, name in LEVEL_NAMES.items():
        pairs = [(o, d) for o in OBJECTS for d in DEGREES if MATRIX[o][d] == level]
        rows.append(
            {
                "harms": [box((o, d) in chosen, f"对{o.full_name}造成{d.full_name}") for o, d in pairs],
                "level": box(level == dim.level, name),
            }
        )
    return rows


def missing_for_filing_form(unit: Unit, systems: list[Filed], *, layout: Layout = "2025") -> list[str]:
    """Chinese names of what must be filled in first; a system's own fields are prefixed
    with its name ("互联网医院：业务描述")."""
    unit_required = (
        UNIT_REQUIRED if layout == "2025" else tuple(f for f in UNIT_REQUIRED if f != "credit_code")
    )
    out = missing(unit, unit_required, UNIT_LABELS, UNIT_CODES)
    if not systems:
        out.append("定级对象（至少一个）")
    for system, record, _ in systems:
        prefix = f"{system.name or '未命名的定级对象'}："
        out += missing(system, SYSTEM_REQUIRED, SYSTEM_LABELS, SYSTEM_CODES, prefix=prefix)
        out += missing(record, ("graded_on",), RECORD_LABELS, prefix=prefix)
        if layout == "2025":
            out += _missing_data(system, record, prefix)
    return out


def _missing_data(system: SystemProfile, record: GradingRecord, prefix: str) -> list[str]:
    """表六 is required from 第二级 up (公网安〔2025〕1846号)."""
    if record.grading.level >= 2 and not system.data_categories:
        return [f"{prefix}数据摸底调查表（至少一个数据类别）"]
    out = []
    for category in system.data_categories:
        out += missing(category, tuple(DATA_CATEGORY_LABELS), _category_labels(category), prefix=prefix)
    return out


def _category_labels(category: DataCategory) -> dict[str, str]:
    name = category.name or "未命名"
    return {field: f"数据类别“{name}”的{text}" for field, text in DATA_CATEGORY_LABELS.items()}


def render_filing_form(
    unit: Unit,
    systems: list[Filed],
    *,
    layout: Layout = "2025",
    filed_on: dt.date | None = None,
    form_number: str = "",
    template: Path | None = None,
) -> bytes:
    """The 备案表 as .docx bytes, from the shipped template of ``layout`` unless one is given."""
    context = filing_form_context(unit, systems, layout=layout, filed_on=filed_on, form_number=form_number)
    return builder.render_docx(template or TEMPLATE_FILES[layout], context)
