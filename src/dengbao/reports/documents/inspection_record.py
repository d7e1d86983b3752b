"""安全巡检及加固记录 of one inspection visit (the year of services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import service_records as core
from dengbao.core.documents import service_records_template

from .base import VISIT, DocumentKind, Draft


def prepare(*, actor, project, visit_id: int) -> Draft:
    from dengbao.engagements.record_selectors import inspection_record

    record = inspection_record(actor=actor, project=project, visit_id=visit_id)
    return Draft(
        data=record,
        filename=f"安全巡检及加固记录-{record['visit']['visited_on']}-{visit_id}.docx",
        stored=record,
    )


KIND = DocumentKind(
    name="inspection_record",
    label=_("安全巡检及加固记录"),
    prepare=prepare,
    render=core.render_inspection_record,
    params=(VISIT,),
    templates=tuple(t for t in service_records_template.TEMPLATES if t.key == "inspection_record"),
    order=90,
)
