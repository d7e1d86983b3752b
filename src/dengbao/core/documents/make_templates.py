"""Builds the shipped .docx templates from code, so they can be reviewed and reproduced.

    python -m dengbao.core.documents.make_templates [OUT_DIR]

writes grading-report-2025.docx, filing-form-2025.docx and filing-form-legacy.docx to
``templates/`` (or OUT_DIR). The Jinja tags inside are docxtpl's: ``{{ }}``, ``{%p %}``
paragraph and ``{%tr %}`` row loops, ``{% cellbg %}`` for the marked matrix cells. The
wording is the project's own, laid out after the official structure (MLPS-FACTS §5).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from docx.document import Document

from . import (
    assessment_report_template,
    filing_form_template,
    gap_list_template,
    grading_report_template,
    protection_plan_template,
    remediation_plan_template,
    retest_report_template,
    scan_report_template,
    service_records_template,
)
from .common import TEMPLATES

BUILDERS: dict[str, Callable[[], Document]] = {
    "grading-report-2025.docx": grading_report_template.grading_report,
    "filing-form-2025.docx": lambda: filing_form_template.filing_form(legacy=False),
    "filing-form-legacy.docx": lambda: filing_form_template.filing_form(legacy=True),
    "assessment-report-2025.docx": assessment_report_template.assessment_report,
    "gap-list.docx": gap_list_template.gap_list,
    "remediation-plan.docx": remediation_plan_template.remediation_plan,
    "retest-report.docx": retest_report_template.retest_report,
    "scan-report.docx": scan_report_template.scan_report,
    "inspection-record.docx": service_records_template.inspection_record,
    "ticket-record.docx": service_records_template.ticket_record,
    "monitoring-report.docx": service_records_template.monitoring_report,
    "protection-plan.docx": protection_plan_template.protection_plan,
}


def build_all(out_dir: Path = TEMPLATES) -> list[Path]:
    """Write every shipped template to ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in BUILDERS.items():
        path = out_dir / name
        build().save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for written in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES):
        print(written)
