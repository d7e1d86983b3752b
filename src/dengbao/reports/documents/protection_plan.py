"""保护工作方案 of a level 3+ system (公网安〔2025〕1846号 Q23–Q24), from its latest finalised
assessment and the remediation tasks (what it reads: protection_plan_data.py)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import protection_plan as pp
from dengbao.core.documents import protection_plan_template
from dengbao.core.documents.plan_common import as_data

from . import protection_plan_data as source
from .base import DocumentKind, Draft, Param, of_project, ready


def _level_three(project, value) -> bool:
    """A system of the project; one below level 3 is refused with its level (the reason shown)."""
    system = project.systems.filter(pk=value).first()
    if system is None:
        return False
    if source.level_of(system) is not None:
        source.check_required(system)  # NotRequired (a ValueError) names the system and its level
    return True


SYSTEM_LEVEL_3 = Param(
    "system_id", "system", "定级对象（第三级及以上）", "--system",
    resolve=of_project("systems"), check=_level_three,
    refusal="保护工作方案只适用于本项目第三级及以上的定级对象",
)  # fmt: skip


def prepare(*, actor, project, system) -> Draft:
    if not project.systems.filter(pk=system.pk).exists():
        raise Http404("system not found")
    source.check_required(system)  # level 1–2: refused with the reason; ungraded: not ready
    data, assessment, rnd = source.gather(actor, project, system)
    ready(pp.missing_for_protection_plan(data), prefix=f"{system.name}：")
    return Draft(
        data=data,
        filename=f"{system.code or system.pk}-{source.TITLE}{'（草稿）' if data.draft else ''}.docx",
        system=system,
        note=f"{assessment.name}（{rnd.label}）"[:200],
        assessment=assessment,
        round_number=rnd.number,
        stored=as_data(data),
    )


KIND = DocumentKind(
    name="protection_plan",
    label=_("保护工作方案"),
    prepare=prepare,
    render=pp.render_protection_plan,
    params=(SYSTEM_LEVEL_3,),
    templates=protection_plan_template.TEMPLATES,
    order=35,
)
