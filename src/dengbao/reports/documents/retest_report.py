"""复测对比报告 of an assessment's last two rounds (the earlier one and the 复测 that followed it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import retest_report as core
from dengbao.core.documents import retest_report_template

from .base import ASSESSMENT, DocumentKind, Draft, ready
from .plans import current_round, draft, retest_data


def prepare(*, actor, project, assessment) -> Draft:
    after = current_round(project, assessment)
    data = retest_data(actor=actor, assessment=assessment)
    ready(core.missing_for_retest_report(data))
    return draft(assessment, after, "复测对比报告", data, note=f"{data.before.label}→{data.after.label}")


KIND = DocumentKind(
    name="retest_report",
    label=_("复测对比报告"),
    prepare=prepare,
    render=core.render_retest_report,
    params=(ASSESSMENT,),
    templates=retest_report_template.TEMPLATES,
    order=70,
)
