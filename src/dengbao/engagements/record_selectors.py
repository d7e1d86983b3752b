"""The inspection/hardening record and the emergency-response record as plain dicts, for the
documents that render them. Dates are ``YYYY-MM-DD`` strings, times ``YYYY-MM-DD HH:MM`` in
the platform's time zone (Beijing), durations whole minutes; labels are in Chinese.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dengbao.accounts.models import Project, User
from dengbao.core.engagement import hardening

from . import inspection_selectors, selectors
from .inspection_models import InspectionResult
from .templatetags.engagement import STATES, TARGETS


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _time(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _who(user: User | None) -> str:
    return str(user) if user else ""


def _contract(contract) -> dict:
    project = contract.project
    return {
        "project": {"slug": project.slug, "name": project.name},
        "contract": {
            "number": contract.number,
            "title": contract.title,
            "client": contract.client_party,
            "provider": contract.provider_party,
        },
    }


def _action(action) -> dict:
    entry = hardening.measure(action.measure) if action.measure else None
    target = action.target
    return {
        "id": action.pk,
        "title": action.title,
        "measure": action.measure,
        "manual_part": next((g.title for g in hardening.MANUAL if entry in g.measures), "") if entry else "",
        "object": f"{target.object_type} {target.name}" if target else "",
        "item": action.result.item if action.result_id else "",
        "status": action.status,
        "status_label": action.get_status_display(),
        "steps": [
            {
                "position": s.position,
                "text": s.text,
                "done_at": _time(s.done_at),
                "done_by": _who(s.done_by),
                "note": s.note,
            }
            for s in action.steps.all()
        ],
        "verify_method": action.verify_method,
        "done_by": _who(action.done_by),
        "done_at": _time(action.done_at),
        "verification": action.verification,
        "verified_by": _who(action.verified_by),
        "verified_at": _time(action.verified_at),
    }


def inspection_record(*, actor: User, project: Project, visit_id: int) -> dict:
    """One visit: the objects, each item's result with its evidence, and the hardening done."""
    contract = selectors.contract_require(actor=actor, project=project)
    visit = inspection_selectors.visit_get(actor=actor, contract=contract, visit_id=visit_id)
    outcomes = dict(InspectionResult.Outcome.choices)
    totals = dict.fromkeys(outcomes, 0)
    objects = []
    for target in visit.targets.all():
        counts = dict.fromkeys(outcomes, 0)
        results = []
        for r in target.results.all():
            counts[r.outcome] += 1
            totals[r.outcome] += 1
            results.append(
                {
                    "category": r.category,
                    "item": r.item,
                    "expected": r.expected,
                    "outcome": r.outcome,
                    "outcome_label": str(outcomes[r.outcome]),
                    "note": r.note,
                    "evidence": [
                        {"filename": e.filename, "size": e.size, "sha256": e.sha256} for e in r.evidence.all()
                    ],
                }
            )
        objects.append(
            {
                "type": target.object_type,
                "name": target.name,
                "system": (target.system.code or target.system.name) if target.system else "",
                "results": results,
                "counts": counts,
                "automated_results": target.automated_results,
            }
        )
    occurrence = visit.occurrence
    return {
        **_contract(contract),
        "visit": {
            "id": visit.pk,
            "visited_on": _day(visit.visited_on),
            "inspector": _who(visit.inspector),
            "participants": visit.participants,
            "summary": visit.summary,
            "finished_at": _time(visit.finished_at),
            "occurrence": {"title": occurrence.title, "due_on": _day(occurrence.due_on)}
            if occurrence
            else None,
        },
        "objects": objects,
        "counts": totals,
        "hardening": [_action(a) for a in visit.hardening.all()],
    }


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def ticket_record(*, actor: User, project: Project, ticket_id: int, now: dt.datetime | None = None) -> dict:
    """One emergency ticket: its facts, timeline, SLA clocks (recomputed) and notifications."""
    contract = selectors.contract_require(actor=actor, project=project)
    ticket = selectors.ticket_get(actor=actor, contract=contract, ticket_id=ticket_id)
    (row,) = selectors.ticket_rows(actor=actor, contract=contract, tickets=[ticket], now=now)
    kinds = {k: str(label) for k, label in ticket.events.model.KINDS}
    return {
        **_contract(contract),
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "kind": ticket.kind,
            "kind_label": ticket.get_kind_display(),
            "priority": ticket.priority,
            "source": ticket.source,
            "source_label": ticket.get_source_display(),
            "status": ticket.status,
            "status_label": ticket.get_status_display(),
            "description": ticket.description,
            "systems": [s.code or s.name for s in ticket.systems.all()],
            "on_site_required": ticket.on_site_required,
            "opened_by": _who(ticket.opened_by),
            "opened_at": _time(ticket.opened_at),
            "assignee": _who(ticket.assignee),
            "closing_report": ticket.closing_report,
        },
        "timeline": [
            {
                "at": _time(e.at),
                "kind": e.kind,
                "kind_label": kinds.get(e.kind, e.kind),
                "by": _who(e.by),
                "note": e.note,
            }
            for e in ticket.events.select_related("by")
        ],
        "clocks": [
            {
                "target": c.target,
                "target_label": str(TARGETS.get(c.target, c.target)),
                "limit_minutes": _minutes(c.limit),
                "elapsed_minutes": _minutes(c.elapsed),
                "state": str(c.state),
                "state_label": str(STATES.get(c.state, c.state)),
                "breached_at": _time(c.breached_at),
                "stopped_at": _time(c.stopped_at),
            }
            for c in row.clocks
        ],
        "breached": row.breached,
        "notifications": [
            {
                "clock": n.clock,
                "state": n.state,
                "state_label": n.get_state_display(),
                "at": _time(n.at),
                "delivered": n.delivered,
            }
            for n in ticket.sla_notifications.all()
        ],
    }
