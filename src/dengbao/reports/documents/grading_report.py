"""定级报告 of one system, from its current grading (GB/T 22240-2020)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import grading_report as core
from dengbao.core.documents import grading_report_template
from dengbao.systems.documents import grading_data, system_data, unit_data

from .base import SYSTEM, DocumentKind, DocumentNotReady, Draft, ready


def graded(system):
    """The system's current grading; not ready while it has no level."""
    grading = system.current_grading
    if grading is None or grading.level is None:
        raise DocumentNotReady([f"{system.name}：定级结果"])
    return grading


def prepare(*, actor, project, system) -> Draft:
    grading = graded(system)
    unit, profile, record = unit_data(system.organisation), system_data(system), grading_data(grading)
    ready(core.missing_for_grading_report(unit, profile, record))
    return Draft(
        data=(unit, profile, record),
        filename=f"{system.code or system.pk}-定级报告.docx",
        system=system,
    )


def render(data, *, template=None) -> bytes:
    return core.render_grading_report(*data, template=template)


KIND = DocumentKind(
    name="grading_report",
    label=_("定级报告"),
    prepare=prepare,
    render=render,
    params=(SYSTEM,),
    templates=grading_report_template.TEMPLATES,
    job=False,
    order=10,
)
