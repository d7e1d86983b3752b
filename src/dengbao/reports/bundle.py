"""All deliverables of a project as one zip (the kind: documents/bundle.py), and the project's
差距分析问题列表 (Excel) as a stored version (documents/gap_list_xlsx.py)."""

from __future__ import annotations

from dengbao.accounts.models import Project, User

from .documents import Made, document_make
from .documents.bundle import MANIFEST_NAME, MISSING_NAME, Bundle, bundle_steps, make_bundle
from .documents.gap_list_xlsx import FILENAME as GAP_LIST_NAME

__all__ = ["GAP_LIST_NAME", "MANIFEST_NAME", "MISSING_NAME", "Bundle", "bundle_steps", "make_bundle",
           "make_gap_list_xlsx"]  # fmt: skip


def make_gap_list_xlsx(*, actor: User, project: Project) -> Made:
    """The project's gap list (every assessment's current round) as a stored .xlsx version."""
    return document_make(actor=actor, project=project, kind="gap_list_xlsx")
