"""安全巡检及加固记录 of one inspection visit (the year of services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import service_records as core
from dengbao.core.documents.kinds import TemplateKind

from .base import VISIT, DocumentKind, Draft


def prepare(*, actor, project, visit_id: int) -> Draft:
    from dengbao.engagements.record_selectors import inspection_record

    record = inspection_record(actor=actor, project=project, visit_id=visit_id)
    return Draft(
        data=record,
        filename=f"安全巡检及加固记录-{record['visit']['visited_on']}-{visit_id}.docx",
        stored=record,
    )


def _sample() -> dict:
    from dengbao.core.documents.report_samples import sample_inspection_record

    return core.inspection_context(sample_inspection_record())


KIND = DocumentKind(
    name="inspection_record",
    label=_("安全巡检及加固记录"),
    prepare=prepare,
    render=core.render_inspection_record,
    params=(VISIT,),
    templates=(TemplateKind("inspection_record", "安全巡检及加固记录", core.INSPECTION_TEMPLATE, _sample),),
    order=90,
)
