"""应急响应记录 of one emergency ticket (the year of services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import service_records as core
from dengbao.core.documents import service_records_template

from .base import TICKET, DocumentKind, Draft


def prepare(*, actor, project, ticket_id: int) -> Draft:
    from dengbao.engagements.record_selectors import ticket_record

    record = ticket_record(actor=actor, project=project, ticket_id=ticket_id)
    return Draft(
        data=record,
        filename=f"应急响应记录-{record['ticket']['number'] or ticket_id}.docx",
        stored=record,
    )


KIND = DocumentKind(
    name="ticket_record",
    label=_("应急响应记录"),
    prepare=prepare,
    render=core.render_ticket_record,
    params=(TICKET,),
    templates=tuple(t for t in service_records_template.TEMPLATES if t.key == "ticket_record"),
    order=100,
)
