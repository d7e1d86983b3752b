"""The 网络安全等级测评报告 of one system (the kind: documents/assessment_report.py)."""

from __future__ import annotations

from dengbao.accounts.models import Project, User
from dengbao.assessments.models import Assessment
from dengbao.systems.models import InformationSystem

from .documents import Made, document_make
from .documents.assessment_report import assessment_for, report_input

__all__ = ["assessment_for", "make_assessment_report", "report_input"]


def make_assessment_report(
    *,
    actor: User,
    project: Project,
    system: InformationSystem,
    assessment: Assessment | None = None,
    round_number: int | None = None,
    pdf: bool = False,
) -> Made:
    """Render, store as the next version (with the figures it printed) and return the report."""
    return document_make(
        actor=actor, project=project, kind="assessment_report", system=system,
        assessment=assessment, round_number=round_number, pdf=pdf,
    )  # fmt: skip
