"""Reads the REST API needs beyond the workbench pages' selectors, through the same permission layer."""

from __future__ import annotations

from dengbao.accounts import permissions
from dengbao.accounts.models import User

from . import selectors
from .models import AssessmentObject, ResultRecord, Round


def records_by_id(*, actor: User, rnd: Round, ids: list[int]) -> dict[int, ResultRecord]:
    """The round's records among ``ids`` as they are now (their versions after a batch, or a conflict)."""
    permissions.require(actor, "project.view_internal", rnd.assessment.project)
    rows = rnd.results.filter(pk__in=ids).select_related("obj", "recorded_by")
    return {r.pk: r for r in rows}


def round_results(*, actor: User, rnd: Round, obj: AssessmentObject | None = None) -> list[tuple]:
    """(record, catalogue item) of one object, or of every object in turn, in checklist order."""
    assessment = rnd.assessment
    objects = (
        [obj]
        if obj is not None
        else list(selectors.object_progress(actor=actor, assessment=assessment, rnd=rnd))
    )
    rows: list[tuple] = []
    for target in objects:
        rows.extend(selectors.checklist(actor=actor, rnd=rnd, obj=target))
    return rows
