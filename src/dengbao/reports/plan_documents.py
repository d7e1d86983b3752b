"""差距分析问题列表 (Word), 安全整改方案 and 复测对比报告 of an assessment (the kinds:
documents/gap_list_docx.py, remediation_plan.py, retest_report.py; the reading: documents/plans.py).

All three need ``project.view_internal``: generating stores a version, which
``document_store`` allows the provider side only. The client receives the stored documents
through the documents page (``project.view``), as it receives the gap list on screen.
"""

from __future__ import annotations

from dengbao.accounts.models import Project, User
from dengbao.assessments.models import Assessment

from .documents import Made, document_make
from .documents.plans import plan_data, plan_subject, retest_data

__all__ = ["make_gap_list_docx", "make_remediation_plan", "make_retest_report", "plan_data", "plan_subject",
           "retest_data"]  # fmt: skip


def make_gap_list_docx(*, actor: User, project: Project, assessment: Assessment) -> Made:
    return document_make(actor=actor, project=project, kind="gap_list_docx", assessment=assessment)


def make_remediation_plan(*, actor: User, project: Project, assessment: Assessment) -> Made:
    return document_make(actor=actor, project=project, kind="remediation_plan", assessment=assessment)


def make_retest_report(*, actor: User, project: Project, assessment: Assessment) -> Made:
    return document_make(actor=actor, project=project, kind="retest_report", assessment=assessment)
