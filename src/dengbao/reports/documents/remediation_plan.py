"""安全整改方案 of an assessment's current round: every problem with its task, 重大风险隐患 first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import remediation_plan as core
from dengbao.core.documents import remediation_plan_template

from .base import ASSESSMENT, DocumentKind, Draft, ready
from .plans import current_round, draft, plan_data


def prepare(*, actor, project, assessment) -> Draft:
    rnd = current_round(project, assessment)
    data = plan_data(actor=actor, assessment=assessment, rnd=rnd)
    ready(core.missing_for_remediation_plan(data))
    return draft(assessment, rnd, "安全整改方案", data)


KIND = DocumentKind(
    name="remediation_plan",
    label=_("安全整改方案"),
    prepare=prepare,
    render=core.render_remediation_plan,
    params=(ASSESSMENT,),
    templates=remediation_plan_template.TEMPLATES,
    order=60,
)
