"""The 漏洞扫描报告 of one scan-report import (the kind: documents/scan_report.py)."""

from __future__ import annotations

from dengbao.accounts.models import Project, User

from .documents import Made, document_make
from .documents.scan_report import scan_input

__all__ = ["make_scan_report", "scan_input"]


def make_scan_report(*, actor: User, project: Project, import_id: int) -> Made:
    return document_make(actor=actor, project=project, kind="scan_report", import_id=import_id)
