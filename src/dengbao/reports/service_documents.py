"""The year-of-services records as stored Word versions (the kinds: documents/inspection_record.py,
ticket_record.py, monitoring_report.py)."""

from __future__ import annotations

from dengbao.accounts.models import Project, User

from .documents import Made, document_make


def make_inspection_record(*, actor: User, project: Project, visit_id: int) -> Made:
    return document_make(actor=actor, project=project, kind="inspection_record", visit_id=visit_id)


def make_ticket_record(*, actor: User, project: Project, ticket_id: int) -> Made:
    return document_make(actor=actor, project=project, kind="ticket_record", ticket_id=ticket_id)


def make_monitoring_report(*, actor: User, project: Project, year: int, month: int) -> Made:
    return document_make(actor=actor, project=project, kind="monitoring_report", year=year, month=month)
