"""Reads of inspections and hardening, each through the project's permission check."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.catalogue.vocab import OBJECT_TYPES
from dengbao.core.engagement import inspection

from .inspection_models import (
    HardeningAction,
    InspectionEvidence,
    InspectionResult,
    InspectionTemplate,
    InspectionVisit,
)
from .inspection_services import template_owner
from .models import Contract
from .service_models import ServiceOccurrence


@dataclass(frozen=True)
class TemplateRow:
    object_type: str
    items: list[inspection.Item]
    customised: bool

    @property
    def text(self) -> str:
        return inspection.format_lines(self.items)


def template_rows(*, actor: User, project: Project) -> list[TemplateRow]:
    """Every object type's checklist for the project's provider: its own copy or the default."""
    permissions.require(actor, "project.view", project)
    own = {
        t.object_type: t
        for t in InspectionTemplate.objects.filter(organisation=template_owner(project)).prefetch_related(
            "items"
        )
    }
    rows = []
    for object_type in OBJECT_TYPES:
        template = own.get(object_type)
        if template is None:
            rows.append(TemplateRow(object_type, list(inspection.DEFAULTS[object_type]), False))
        else:
            items = [inspection.Item(i.category, i.item, i.expected) for i in template.items.all()]
            rows.append(TemplateRow(object_type, items, True))
    return rows


def visit_list(*, actor: User, contract: Contract) -> QuerySet[InspectionVisit]:
    permissions.require(actor, "project.view", contract.project)
    return contract.inspections.select_related("inspector", "occurrence").prefetch_related("targets")


def visit_get(*, actor: User, contract: Contract, visit_id: int) -> InspectionVisit:
    visit = (
        visit_list(actor=actor, contract=contract)
        .prefetch_related(
            "targets__system",
            Prefetch(
                "targets__results",
                queryset=InspectionResult.objects.prefetch_related("evidence", "hardening"),
            ),
            Prefetch(
                "hardening",
                queryset=HardeningAction.objects.select_related(
                    "target", "result", "done_by", "verified_by"
                ).prefetch_related("steps__done_by"),
            ),
        )
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise Http404("inspection not found")
    return visit


def evidence_get(*, actor: User, contract: Contract, visit_id: int, file_id: int) -> InspectionEvidence:
    permissions.require(actor, "project.view", contract.project)
    evidence = InspectionEvidence.objects.filter(
        pk=file_id, result__target__visit_id=visit_id, result__target__visit__contract=contract
    ).first()
    if evidence is None:
        raise Http404("evidence not found")
    return evidence


def free_inspection_occurrences(*, actor: User, contract: Contract) -> QuerySet[ServiceOccurrence]:
    """The contract's inspection occurrences that no visit proves yet."""
    permissions.require(actor, "project.view", contract.project)
    return contract.occurrences.filter(kind="inspection", inspection__isnull=True).order_by("due_on")


def action_list(*, actor: User, contract: Contract) -> QuerySet[HardeningAction]:
    permissions.require(actor, "project.view", contract.project)
    return contract.hardening_actions.select_related(
        "visit", "target", "result", "created_by", "done_by", "verified_by"
    ).prefetch_related("steps__done_by")


def action_get(*, actor: User, contract: Contract, hardening_id: int) -> HardeningAction:
    action = action_list(actor=actor, contract=contract).filter(pk=hardening_id).first()
    if action is None:
        raise Http404("hardening action not found")
    return action
