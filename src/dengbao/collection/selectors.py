"""Reads of bundles and proposals, through the project's permission check (provider side only)."""

from __future__ import annotations

from django.db.models import QuerySet

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.assessments.models import Assessment, ResultRecord

from .models import CollectedBundle, Proposal


def proposals(
    *, actor: User, assessment: Assessment, status: str | None = Proposal.Status.PENDING, obj_name: str = ""
) -> QuerySet[Proposal]:
    permissions.require(actor, "project.view_internal", assessment.project)
    qs = Proposal.objects.filter(record__round__assessment=assessment).select_related(
        "record", "record__obj", "record__round", "bundle"
    )
    if status:
        qs = qs.filter(status=status)
    if obj_name:
        qs = qs.filter(record__obj__name=obj_name)
    return qs.order_by("record__obj__name", "unit_id")


def bundles(*, actor: User, assessment: Assessment) -> QuerySet[CollectedBundle]:
    permissions.require(actor, "project.view_internal", assessment.project)
    return CollectedBundle.objects.filter(round__assessment=assessment).select_related("obj")


def result_sources(*, actor: User, records: list[ResultRecord]) -> dict[int, Proposal]:
    """Which shown results a rule wrote (the accepted proposal, hence its bundle); absent = a person."""
    if not records:
        return {}
    permissions.require(actor, "project.view_internal", records[0].round.assessment.project)
    versions = {r.pk: r.version for r in records}
    out: dict[int, Proposal] = {}
    for p in Proposal.objects.filter(record_id__in=versions, status=Proposal.Status.ACCEPTED).select_related(
        "bundle"
    ):
        if versions[p.record_id] == p.applied_version:
            out[p.record_id] = p
    return out
