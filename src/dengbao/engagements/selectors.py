"""Reads of the engagement, each through the project's permission check.

The dashboard's figures — deadlines, payment due dates, penalties, interest, SLA clocks —
are computed here from the stored facts by ``core.engagement`` at the moment of reading.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.engagement import money, schedule, sla
from dengbao.terms import term

from .models import Attachment, Contract, Deliverable, PaymentMilestone
from .service_models import ServiceOccurrence, SlaPolicy, Ticket


def contract_get(*, actor: User, project: Project) -> Contract | None:
    permissions.require(actor, "project.view", project)
    return Contract.objects.filter(project=project).select_related("project").first()


def contract_require(*, actor: User, project: Project) -> Contract:
    contract = contract_get(actor=actor, project=project)
    if contract is None:
        raise Http404("no contract")
    return contract


def deliverable_list(*, actor: User, contract: Contract) -> QuerySet[Deliverable]:
    permissions.require(actor, "project.view", contract.project)
    return contract.deliverables.select_related("system", "document", "accepted_by").order_by(
        "system__code", "system__name", "kind"
    )


def deliverables_with_documents(*, actor: User, contract: Contract) -> list[Deliverable]:
    """The checklist, each row with the versions of its document that could be delivered."""
    rows = list(deliverable_list(actor=actor, contract=contract))
    documents: dict[tuple[int, str], list] = {}
    kinds = [k for k in Deliverable.Kind.values if k != Deliverable.Kind.FILING_CERTIFICATE]
    for doc in contract.project.documents.filter(kind__in=kinds).order_by("-version"):
        documents.setdefault((doc.system_id, doc.kind), []).append(doc)
    deadline = project_due(contract)
    for row in rows:
        row.document_choices = documents.get((row.system_id, row.kind), [])
        row.due_date = row.due(deadline)
    return rows


def deliverable_get(*, actor: User, contract: Contract, deliverable_id: int) -> Deliverable:
    deliverable = deliverable_list(actor=actor, contract=contract).filter(pk=deliverable_id).first()
    if deliverable is None:
        raise Http404("deliverable not found")
    return deliverable


def attachment_get(*, actor: User, contract: Contract, attachment_id: int) -> Attachment:
    permissions.require(actor, "project.view", contract.project)
    attachment = contract.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("attachment not found")
    return attachment


def occurrence_list(*, actor: User, contract: Contract) -> QuerySet[ServiceOccurrence]:
    permissions.require(actor, "project.view", contract.project)
    return contract.occurrences.select_related("owner").order_by("due_on", "kind", "sequence")


def occurrence_get(*, actor: User, contract: Contract, occurrence_id: int) -> ServiceOccurrence:
    occurrence = occurrence_list(actor=actor, contract=contract).filter(pk=occurrence_id).first()
    if occurrence is None:
        raise Http404("occurrence not found")
    return occurrence


def ticket_list(*, actor: User, contract: Contract) -> QuerySet[Ticket]:
    permissions.require(actor, "project.view", contract.project)
    return contract.tickets.select_related("opened_by", "assignee").prefetch_related("events", "systems")


def ticket_get(*, actor: User, contract: Contract, ticket_id: int) -> Ticket:
    ticket = ticket_list(actor=actor, contract=contract).filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404("ticket not found")
    return ticket


URGENT_PRIORITIES = ("P1", "P2")


def urgent_tickets(*, actor: User, project: Project) -> list[Ticket]:
    """Open P1/P2 tickets of the project's contract, most urgent and newest first: what the
    project's overview puts at its top for the provider (the client sees its own on the ticket list)."""
    if not permissions.can(actor, "project.view_internal", project):
        return []
    contract = contract_get(actor=actor, project=project)
    if contract is None:
        return []
    open_statuses = (Ticket.Status.OPEN, Ticket.Status.WAITING)
    tickets = ticket_list(actor=actor, contract=contract).filter(
        priority__in=URGENT_PRIORITIES, status__in=open_statuses
    )
    return list(tickets.order_by("priority", "-opened_at"))


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    clocks: list[sla.Clock]

    @property
    def breached(self) -> bool:
        return any(c.state == sla.State.BREACHED for c in self.clocks)

    @property
    def running(self) -> list[sla.Clock]:
        return [c for c in self.clocks if c.stopped_at is None and c.state != sla.State.BREACHED]


def ticket_rows(
    *, actor: User, contract: Contract, tickets=None, now: dt.datetime | None = None
) -> list[TicketRow]:
    """Each ticket with its SLA clocks, recomputed from its stored events."""
    now = now or timezone.now()
    policies = {p.priority: p for p in contract.sla_policies.all()}
    rows = []
    for ticket in tickets if tickets is not None else ticket_list(actor=actor, contract=contract):
        rows.append(TicketRow(ticket, ticket_clocks(ticket, policies, now)))
    return rows


def ticket_clocks(ticket: Ticket, policies: dict[str, SlaPolicy], now: dt.datetime) -> list[sla.Clock]:
    """A ticket's clocks under its contract's policy for its priority (``policies`` by priority)."""
    policy = policies.get(ticket.priority)
    default = sla.DEFAULT_TARGETS[sla.Priority(ticket.priority)]
    target = sla.Target(
        policy.response_minutes if policy else default.response_minutes,
        (policy.on_site_minutes if policy else default.on_site_minutes) if ticket.on_site_required else None,
    )
    return sla.clocks([e.as_core() for e in ticket.events.all()], target, now=now)


@dataclass(frozen=True)
class PaymentRow:
    milestone: PaymentMilestone
    amount: Decimal
    due: dt.date | None
    received: Decimal
    received_on: dt.date | None  # when it was paid in full
    late_days: int
    interest: Decimal
    warning: str = ""

    @property
    def paid(self) -> bool:
        return self.received >= self.amount


def payment_rows(*, actor: User, contract: Contract, today: dt.date) -> list[PaymentRow]:
    permissions.require(actor, "project.view", contract.project)
    implied = {  # the facts that meet each condition, unless a date was recorded on the milestone
        PaymentMilestone.Trigger.SURVEY_CONFIRMED: contract.survey_done,
        PaymentMilestone.Trigger.ALL_ACCEPTED: contract.accepted_on,
        PaymentMilestone.Trigger.RETENTION: contract.accepted_on,
    }
    rows = []
    for milestone in contract.milestones.prefetch_related("receipts"):
        amount = money.amount(contract.total, milestone.percent)
        met = milestone.triggered_on or implied.get(milestone.trigger)
        due = money.due_date(milestone.as_core(), met) if met else None
        received, paid_on = Decimal(0), None
        for receipt in sorted(milestone.receipts.all(), key=lambda r: r.received_on):
            received += receipt.amount
            if paid_on is None and received >= amount:
                paid_on = receipt.received_on
        late = money.late_days(due.date, paid_on, today) if due else 0
        unpaid = amount if paid_on else max(Decimal(0), amount - received)
        interest = money.late_payment_interest(unpaid, late, contract.interest_rate)
        rows.append(
            PaymentRow(
                milestone, amount, due.date if due else None, received, paid_on, late, interest,
                due.warning if due else "",
            )
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class PenaltyRow:
    deliverable: Deliverable
    part_value: Decimal
    late_days: int
    penalty: Decimal


def part_values(contract: Contract) -> dict[int, Decimal]:
    """Each system's share of the line items that pay for it (a shared item split evenly)."""
    values: dict[int, Decimal] = {}
    for item in contract.line_items.prefetch_related("systems"):
        systems = sorted(item.systems.all(), key=lambda s: s.pk)
        for system, share in zip(systems, money.split_evenly(item.amount, len(systems)), strict=True):
            values[system.pk] = values.get(system.pk, Decimal(0)) + share
    return values


def project_due(contract: Contract) -> dt.date | None:
    return next(d.due for d in schedule.deadlines(contract.facts()) if d.key == "project")


def penalty_rows(*, actor: User, contract: Contract, today: dt.date) -> list[PenaltyRow]:
    """Late deliverables: the system's part of the contract × the daily rate × days late."""
    values = part_values(contract)
    deadline = project_due(contract)
    rows = []
    for d in deliverable_list(actor=actor, contract=contract):
        due = d.due(deadline)
        late = money.late_days(due, d.delivered_on, today) if due else 0
        if late:
            d.due_date = due
            value = values.get(d.system_id, Decimal(0))
            rows.append(
                PenaltyRow(d, value, late, money.late_delivery_penalty(value, late, contract.penalty_rate))
            )
    return rows


@dataclass
class Dashboard:
    contract: Contract
    today: dt.date
    deadlines: list[schedule.Deadline]
    phases: list
    extensions: list
    deliverables: list[Deliverable]
    deliverable_counts: dict[str, int]
    payments: list[PaymentRow]
    penalties: list[PenaltyRow]
    liability: money.Liability
    month_occurrences: list[ServiceOccurrence]
    late_occurrences: list[ServiceOccurrence]
    open_tickets: list[TicketRow]
    month: dt.date
    gantt_json: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def next_deadlines(self) -> list[tuple[str, dt.date, str]]:
        """What falls due next: open deadlines and unpaid payments, soonest first."""
        items = [(d.name, d.due, d.rule) for d in self.deadlines if d.due and not d.done]
        items += [
            (p.milestone.name, p.due, f"¥{p.amount:,.2f}") for p in self.payments if p.due and not p.paid
        ]
        items += [(o.title, o.due_on, o.get_status_display()) for o in self.late_occurrences[:3]]
        return sorted(items, key=lambda i: i[1])[:8]


def _gantt(phases, deadlines) -> str:
    rows = [
        {
            "name": term(p.name),
            "planned": [p.planned_start.isoformat(), p.planned_end.isoformat()],
            "actual": [p.actual_start.isoformat(), p.actual_end.isoformat()]
            if p.actual_start and p.actual_end
            else None,
        }
        for p in phases
    ]
    marks = [{"name": term(d.name), "date": d.due.isoformat()} for d in deadlines if d.due]
    return json.dumps({"phases": rows, "deadlines": marks}, ensure_ascii=False)


def dashboard(
    *, actor: User, project: Project, today: dt.date | None = None, month: dt.date | None = None
) -> Dashboard | None:
    contract = contract_get(actor=actor, project=project)
    if contract is None:
        return None
    today = today or timezone.localdate()
    month = (month or today).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    extensions = list(contract.extensions.select_related("approved_by"))
    deadlines = schedule.deadlines(contract.facts())
    phases = list(contract.phases.all())
    deliverables = list(deliverable_list(actor=actor, contract=contract))
    counts = {"total": len(deliverables), "delivered": 0, "accepted": 0, "pending": 0}
    for d in deliverables:
        counts[d.status] += 1
    counts["delivered"] += counts["accepted"]
    payments = payment_rows(actor=actor, contract=contract, today=today)
    penalties = penalty_rows(actor=actor, contract=contract, today=today)
    paid = sum((p.received for p in payments), Decimal(0))
    occurrences = list(occurrence_list(actor=actor, contract=contract))
    open_tickets = ticket_rows(
        actor=actor,
        contract=contract,
        tickets=ticket_list(actor=actor, contract=contract).exclude(status=Ticket.Status.CLOSED),
    )
    return Dashboard(
        contract=contract,
        today=today,
        deadlines=deadlines,
        phases=phases,
        extensions=extensions,
        deliverables=deliverables,
        deliverable_counts=counts,
        payments=payments,
        penalties=penalties,
        liability=money.liability([p.penalty for p in penalties], paid),
        month_occurrences=[o for o in occurrences if month <= o.due_on < next_month],
        late_occurrences=[o for o in occurrences if o.is_late(today)],
        open_tickets=open_tickets,
        month=month,
        gantt_json=_gantt(phases, deadlines),
        warnings=[p.warning for p in payments if p.warning],
    )
