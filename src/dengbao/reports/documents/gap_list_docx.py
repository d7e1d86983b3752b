"""差距分析问题列表 (Word) of an assessment's current round: the rows of the Excel list, with counts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import gap_list_doc as core
from dengbao.core.documents import gap_list_template

from .base import ASSESSMENT, DocumentKind, Draft, ready
from .plans import current_entries, current_round, draft, plan_subject


def prepare(*, actor, project, assessment) -> Draft:
    rnd = current_round(project, assessment)
    entries = current_entries(actor, assessment)
    data = core.GapListData(subject=plan_subject(assessment, rnd), rows=tuple(e.gap_row() for e in entries))
    ready(core.missing_for_gap_list(data))
    return draft(assessment, rnd, "差距分析问题列表", data)


KIND = DocumentKind(
    name="gap_list_docx",
    label=_("差距分析问题列表（Word）"),
    prepare=prepare,
    render=core.render_gap_list,
    params=(ASSESSMENT,),
    templates=gap_list_template.TEMPLATES,
    order=50,
)
