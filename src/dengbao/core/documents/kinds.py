"""The document kinds whose templates an organisation may replace, with their sample context.

Each kind names its picture slots (``categories[].chart``: the ``chart`` of every element of
``categories``), so a check renders the sample with a picture in every one of them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import (
    assessment_report,
    filing_form,
    gap_list_doc,
    grading_report,
    monitoring_report,
    protection_plan,
    remediation_plan,
    retest_report,
    samples,
    scan_report,
    service_records,
)


@dataclass(frozen=True)
class TemplateKind:
    key: str
    label: str
    default: Path
    sample_context: Callable[[], dict]
    pictures: tuple[str, ...] = ()  # where the context holds a picture (chart, topology)


def _assessment_report_sample() -> dict:
    from ..catalogue import default
    from .report_samples import sample_input

    return assessment_report.assessment_report_context(sample_input(), default())


def _samples():
    from . import report_samples

    return report_samples


def _scan_report_sample() -> dict:
    from .report_samples import sample_scan_input

    return scan_report.scan_report_context(sample_scan_input())


KINDS: dict[str, TemplateKind] = {
    k.key: k
    for k in (
        TemplateKind(
            "grading_report",
            "定级报告（2025 版）",
            grading_report.TEMPLATE,
            lambda: grading_report.grading_report_context(samples.UNIT, samples.SYSTEM, samples.RECORD),
            pictures=("topology",),
        ),
        TemplateKind(
            "filing_form_2025",
            "备案表（2025 版）",
            filing_form.TEMPLATE_FILES["2025"],
            lambda: filing_form.filing_form_context(
                samples.UNIT, [(samples.SYSTEM, samples.RECORD, samples.MATERIALS)], layout="2025"
            ),
        ),
        TemplateKind(
            "filing_form_legacy",
            "备案表（旧版，表一至表四）",
            filing_form.TEMPLATE_FILES["legacy"],
            lambda: filing_form.filing_form_context(
                samples.UNIT, [(samples.SYSTEM, samples.RECORD, samples.MATERIALS)], layout="legacy"
            ),
        ),
        TemplateKind(
            "assessment_report",
            "网络安全等级测评报告",
            assessment_report.TEMPLATE,
            _assessment_report_sample,
            pictures=("summary_chart", "results_chart", "categories[].chart"),
        ),
        TemplateKind(
            "scan_report",
            "漏洞扫描报告",
            scan_report.TEMPLATE,
            _scan_report_sample,
            pictures=("severity_chart",),
        ),
        TemplateKind(
            "inspection_record",
            "安全巡检及加固记录",
            service_records.INSPECTION_TEMPLATE,
            lambda: service_records.inspection_context(_samples().sample_inspection_record()),
        ),
        TemplateKind(
            "ticket_record",
            "应急响应记录",
            service_records.TICKET_TEMPLATE,
            lambda: service_records.ticket_context(_samples().sample_ticket_record()),
        ),
        TemplateKind(
            "monitoring_report",
            "网站监测月报",
            monitoring_report.TEMPLATE,
            lambda: monitoring_report.monitoring_context(_samples().sample_monitoring_month()),
            pictures=("uptime_chart",),
        ),
        TemplateKind(
            "gap_list",
            "差距分析问题列表（Word）",
            gap_list_doc.TEMPLATE,
            lambda: gap_list_doc.gap_list_context(
                gap_list_doc.GapListData(samples.PLAN_SUBJECT, samples.GAP_ROWS)
            ),
        ),
        TemplateKind(
            "remediation_plan",
            "安全整改方案",
            remediation_plan.TEMPLATE,
            lambda: remediation_plan.remediation_plan_context(samples.PLAN),
        ),
        TemplateKind(
            "retest_report",
            "复测对比报告",
            retest_report.TEMPLATE,
            lambda: retest_report.retest_report_context(samples.RETEST),
            pictures=("category_chart",),
        ),
        TemplateKind(
            "protection_plan",
            "保护工作方案",
            protection_plan.TEMPLATE,
            lambda: protection_plan.protection_plan_context(protection_plan.sample_input()),
        ),
    )
}


def sample_context(kind: str, picture: Path | None = None) -> dict:
    """The kind's sample context; with ``picture``, every picture slot holds that picture."""
    from .builder import Picture

    spec = KINDS[kind]
    context = spec.sample_context()
    if picture is not None:
        for slot in spec.pictures:
            _fill(context, slot.split("."), Picture(picture))
    return context


def _fill(value: dict, steps: list[str], picture) -> None:
    step, rest = steps[0], steps[1:]
    if step.endswith("[]"):
        for item in value[step[:-2]]:
            _fill(item, rest, picture)
    elif rest:
        _fill(value[step], rest, picture)
    else:
        value[step] = picture


def check_template(path: Path, kind: str, *, limits=None, name: str | None = None) -> list[str]:
    """Problems of a replacement template (empty: accepted): the upload check, also run by
    ``dengbao template check``. Fields the platform does not provide, then a render with the
    sample data — every picture slot filled — in the limited child process. ``name`` is what
    the messages call the template (default: its file name)."""
    from .builder import check_template_file
    from .pictures import sample_png

    with tempfile.TemporaryDirectory(prefix="dengbao-check-") as tmp:
        context = sample_context(kind, sample_png(Path(tmp) / "sample.png"))
        return check_template_file(path, context, limits=limits, name=name)


def render_sample(path: Path, kind: str, *, limits=None) -> bytes:
    """``path`` rendered with the kind's sample data (pictures included) under the same limits."""
    from .builder import render_docx
    from .pictures import sample_png

    with tempfile.TemporaryDirectory(prefix="dengbao-sample-") as tmp:
        context = sample_context(kind, sample_png(Path(tmp) / "sample.png"))
        return render_docx(path, context, limits=limits, isolate=True)
