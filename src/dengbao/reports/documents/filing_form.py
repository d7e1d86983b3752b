"""备案表 of one system: the 2025 form, or the legacy 表一至表四 (``layout="legacy"``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import filing_form as core
from dengbao.core.documents import filing_form_template
from dengbao.systems.documents import grading_data, materials_data, system_data, unit_data

from .base import LAYOUT, SYSTEM, DocumentKind, Draft, ready
from .grading_report import graded


def prepare(*, actor, project, system, layout: str = "2025") -> Draft:
    if layout not in core.TEMPLATE_FILES:
        raise ValueError(f"备案表版式应为 {' 或 '.join(core.TEMPLATE_FILES)}")
    grading = graded(system)
    unit = unit_data(system.organisation)
    filed = [(system_data(system), grading_data(grading), materials_data(system, grading))]
    ready(core.missing_for_filing_form(unit, filed, layout=layout))
    filing = system.filings.order_by("-created_at").first()
    suffix = "" if layout == "2025" else "-旧版"
    return Draft(
        data=(unit, filed, layout, filing.submitted_on if filing else None),
        filename=f"{system.code or system.pk}-备案表{suffix}.docx",
        system=system,
        note="2025 版" if layout == "2025" else "旧版（表一至表四）",
        template=f"filing_form_{layout}",
    )


def render(data, *, template=None) -> bytes:
    unit, filed, layout, filed_on = data
    return core.render_filing_form(unit, filed, layout=layout, filed_on=filed_on, template=template)


KIND = DocumentKind(
    name="filing_form",
    label=_("备案表"),
    prepare=prepare,
    render=render,
    params=(SYSTEM, LAYOUT),
    templates=filing_form_template.TEMPLATES,
    job=False,
    order=20,
)
