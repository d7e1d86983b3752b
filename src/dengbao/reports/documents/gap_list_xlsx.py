"""差距分析问题列表 (Excel) of the project: every assessment's current round, one sheet."""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy as _

from dengbao.assessments import problem_selectors
from dengbao.core import problems as core_problems

from .base import DocumentKind, Draft

FILENAME = "差距分析问题列表.xlsx"


def prepare(*, actor, project) -> Draft:
    entries = problem_selectors.gap_list(
        actor=actor, project=project, assessment=None, filters=problem_selectors.GapFilters()
    )
    return Draft(
        data=([e.gap_row() for e in entries], f"差距分析问题列表：{project.name}"),
        filename=FILENAME,
        stored={"problems": len(entries)},
    )


def render(data, *, template=None) -> bytes:
    rows, title = data
    stream = io.BytesIO()
    core_problems.write_gap_list(iter(rows), stream, title=title, with_scope=True)
    return stream.getvalue()


KIND = DocumentKind(
    name="gap_list_xlsx",
    label=_("差距分析问题列表（Excel）"),
    prepare=prepare,
    render=render,
    job=False,
    order=40,
)
