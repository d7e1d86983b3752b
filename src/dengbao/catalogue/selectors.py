"""Reading the catalogue, with the reader's organisation wording laid over it."""

from __future__ import annotations

from django.conf import settings

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.core import catalogue as core
from dengbao.core.catalogue.wording import Wording
from dengbao.core.collect.ruleset import Rule, load_rules

from .models import UnitWording


def catalogue(*, actor: User) -> core.Catalogue:
    permissions.require(actor, "catalogue.view")
    return core.default()


def rules_by_unit(*, actor: User) -> dict[str, list[Rule]]:
    """The collection rules (built-in and the agency's own) that can decide each test unit."""
    permissions.require(actor, "catalogue.view")
    out: dict[str, list[Rule]] = {}
    for rule in load_rules(extra=getattr(settings, "DENGBAO_COLLECT_RULES", "") or None):
        for unit in sorted({u for units in rule.units.values() for u in units}):
            out.setdefault(unit, []).append(rule)
    return out


def wording_for(*, actor: User) -> dict[str, Wording]:
    """The actor's organisation's own wording, by unit ID (empty when it has none)."""
    permissions.require(actor, "catalogue.view")
    if not actor.organisation_id:
        return {}
    return {
        w.unit_id: Wording(
            unit_id=w.unit_id, requirement=w.requirement, steps=tuple(w.steps), verdict=w.verdict, row=0
        )
        for w in UnitWording.objects.filter(organisation_id=actor.organisation_id)
    }


def wording_count(*, actor: User) -> int:
    permissions.require(actor, "catalogue.view")
    return (
        UnitWording.objects.filter(organisation_id=actor.organisation_id).count()
        if actor.organisation_id
        else 0
    )


def checklist(
    *, actor: User, level: int | None = None, sa: str = "", extensions: tuple[str, ...] = ()
) -> tuple[list[core.Item], str]:
    from dengbao.core.catalogue import query

    return query.checklist(catalogue(actor=actor), level=level, sa=sa, extensions=extensions)


def checklist_workbook(
    *, actor: User, level: int | None = None, sa: str = "", extensions: tuple[str, ...] = ()
):
    """(title, item count, xlsx bytes) of a checklist, in the reader's organisation's wording."""
    import io

    from dengbao.core.catalogue.export import write_checklist

    items, title = checklist(actor=actor, level=level, sa=sa, extensions=extensions)
    buffer = io.BytesIO()
    write_checklist(
        items, buffer, catalogue=catalogue(actor=actor), title=title, wording=wording_for(actor=actor)
    )
    return title, len(items), buffer.getvalue()
