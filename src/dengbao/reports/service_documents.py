"""The year-of-services records as stored Word versions: one inspection visit, one emergency ticket."""

from __future__ import annotations

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.documents import service_records
from dengbao.systems.documents import Made

from . import services
from .models import DocumentKind
from .selectors import active_template


def make_inspection_record(*, actor: User, project: Project, visit_id: int) -> Made:
    from dengbao.engagements.record_selectors import inspection_record

    permissions.require(actor, "project.view_internal", project)
    record = inspection_record(actor=actor, project=project, visit_id=visit_id)
    return _store(actor, project, DocumentKind.INSPECTION_RECORD, record,
                  f"安全巡检及加固记录-{record['visit']['visited_on']}-{visit_id}.docx",
                  service_records.render_inspection_record, service_records.INSPECTION_TEMPLATE)  # fmt: skip


def make_ticket_record(*, actor: User, project: Project, ticket_id: int) -> Made:
    from dengbao.engagements.record_selectors import ticket_record

    permissions.require(actor, "project.view_internal", project)
    record = ticket_record(actor=actor, project=project, ticket_id=ticket_id)
    return _store(actor, project, DocumentKind.TICKET_RECORD, record,
                  f"应急响应记录-{record['ticket']['number'] or ticket_id}.docx",
                  service_records.render_ticket_record, service_records.TICKET_TEMPLATE)  # fmt: skip


def _store(actor: User, project: Project, kind: str, record: dict, filename: str, render, shipped) -> Made:
    template = active_template(organisation_id=getattr(actor, "organisation_id", None), kind=kind)
    content = render(record, template=template)
    document = services.document_store(
        actor=actor,
        project=project,
        kind=kind,
        filename=filename,
        content=content,
        template=template or shipped,
        data=record,
    )
    return Made(document, content)
