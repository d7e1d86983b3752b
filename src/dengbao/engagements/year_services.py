"""Writes of the service year: occurrences generated and completed, emergency tickets and
their SLA events, training sessions and the client's feedback. All audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core.engagement import service_year, sla
from dengbao.inbox import services as inbox
from dengbao.inbox.models import Notice

from .models import Contract
from .selectors import URGENT_PRIORITIES
from .service_models import Feedback, ServiceOccurrence, Ticket, TicketEvent, TrainingSession

K = sla.EventKind
MAX_TEXT = 5000


def occurrences_generate(
    *,
    actor: User | None,
    contract: Contract,
    owner: User | None = None,
    lines: tuple[service_year.ServiceLine, ...] = service_year.STANDARD_LINES,
) -> list[str]:
    """Create the service year's occurrences (those not there yet); returns the calendar's warnings."""
    if actor is not None:
        permissions.require(actor, "project.edit", contract.project)
    year = service_year.generate(contract.service_start or contract.signed_on, lines)
    with transaction.atomic():
        new = 0
        for o in year.occurrences:
            holiday = f"{o.holiday.name} {o.holiday.first:%m-%d}～{o.holiday.last:%m-%d}" if o.holiday else ""
            _, created = ServiceOccurrence.objects.get_or_create(
                contract=contract,
                kind=o.kind.value,
                sequence=o.sequence,
                defaults={"title": o.title, "due_on": o.due, "holiday": holiday, "owner": owner},
            )
            new += created
        audit.record(
            actor=actor,
            action="service.generate",
            obj=contract,
            details={"new": new, "warnings": year.warnings},
            project=contract.project,
        )
    return year.warnings


def occurrence_complete(
    *, actor: User | None, occurrence: ServiceOccurrence, done_on: dt.date, proof: str
) -> ServiceOccurrence:
    """Mark an occurrence done with the record that proves it (a link or a reference)."""
    project = occurrence.contract.project
    if actor is not None:
        permissions.require(actor, "project.record", project)
    proof = parse.text(proof, 500)
    if not proof:
        raise ValidationError("请填写完成记录（扫描报告、巡检记录或培训记录的链接或编号）")
    with transaction.atomic():
        occurrence = ServiceOccurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        occurrence.status, occurrence.done_on, occurrence.proof = (
            ServiceOccurrence.Status.DONE,
            done_on,
            proof,
        )
        occurrence.save(update_fields=["status", "done_on", "proof"])
        audit.record(
            actor=actor,
            action="service.complete",
            obj=occurrence,
            details={"done_on": done_on.isoformat(), "proof": proof},
            project=project,
        )
    return occurrence


def ticket_open(
    *,
    actor: User,
    contract: Contract,
    title: str,
    kind: str,
    priority: str,
    source: str,
    description: str = "",
    system_ids: list[int] | None = None,
    on_site_required: bool = False,
    at: dt.datetime | None = None,
) -> Ticket:
    """Open an emergency ticket; its SLA clocks start at ``at`` (now by default)."""
    project = contract.project
    permissions.require(actor, "project.open_ticket", project)
    title = parse.text(title, 200)
    if not title:
        raise ValidationError("请填写工单标题")
    for value, choices, label in (
        (kind, Ticket.Kind.values, "类型"),
        (priority, [p.value for p in sla.Priority], "优先级"),
        (source, Ticket.Source.values, "来源"),
    ):
        if value not in choices:
            raise ValidationError(f"请选择工单{label}")
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError("报告时间不能晚于现在")
    systems = list(project.systems.filter(pk__in=system_ids or []))
    with transaction.atomic():
        Contract.objects.select_for_update().get(pk=contract.pk)  # one number at a time
        number = (contract.tickets.aggregate(n=Max("number"))["n"] or 0) + 1
        ticket = Ticket.objects.create(
            contract=contract,
            number=number,
            title=title,
            kind=kind,
            priority=priority,
            source=source,
            description=parse.text(description, MAX_TEXT),
            on_site_required=on_site_required,
            opened_by=actor,
            opened_at=at,
        )
        ticket.systems.set(systems)
        TicketEvent.objects.create(ticket=ticket, kind=K.OPENED, at=at, by=actor, note=ticket.description)
        audit.record(
            actor=actor,
            action="ticket.open",
            obj=ticket,
            details={"priority": priority, "source": source, "systems": [s.code or s.name for s in systems]},
            project=project,
        )
        inbox.notify(
            [m for m in inbox.managers(project) if m.pk != actor.pk],
            kind=Notice.Kind.URGENT_TICKET if priority in URGENT_PRIORITIES else Notice.Kind.TICKET,
            subject=f"#{ticket.number} {ticket.title}（{priority}）",
            link=reverse("engagements:ticket", kwargs={"project": project.slug, "ticket_id": ticket.pk}),
            project=project,
        )
    return ticket


def _check_event(kinds: list[str], kind: str, status: str) -> None:
    if status == Ticket.Status.CLOSED:
        raise ValidationError("工单已关闭")
    if kind in (K.ACKNOWLEDGED, K.ON_SITE) and kind in kinds:
        raise ValidationError("该事件已记录")
    if kind == K.WAITING_CLIENT and status == Ticket.Status.WAITING:
        raise ValidationError("已在等待客户")
    if kind == K.RESUMED and status != Ticket.Status.WAITING:
        raise ValidationError("工单不在等待客户状态")
    if kind == K.CLOSED:
        raise ValidationError("关闭工单请填写结案报告")


STATUS_AFTER = {
    K.WAITING_CLIENT: Ticket.Status.WAITING,
    K.RESUMED: Ticket.Status.OPEN,
    K.RESOLVED: Ticket.Status.RESOLVED,
}


def ticket_follow_up(*, actor: User, ticket: Ticket, note: str) -> TicketEvent:
    """Either side adds to an open ticket after reporting it (more detail, an answer to a question):
    a note on the timeline that starts or stops no clock; the other side is notified."""
    project = ticket.contract.project
    permissions.require(actor, "project.open_ticket", project)
    note = parse.text(note, MAX_TEXT)
    if not note:
        raise ValidationError("请填写补充说明")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if ticket.status == Ticket.Status.CLOSED:
            raise ValidationError("工单已关闭，不能再补充")
        at = max(timezone.now(), *(e.at for e in ticket.events.all()))
        event = TicketEvent.objects.create(ticket=ticket, kind=K.NOTE, at=at, by=actor, note=note)
        audit.record(
            actor=actor, action="ticket.follow_up", obj=ticket, details={"event": event.pk}, project=project
        )
        provider_side = permissions.can(actor, "project.record", project)
        recipients = [ticket.opened_by] if provider_side else [*inbox.managers(project), ticket.assignee]
        _notify_note(ticket, [u for u in recipients if u is not None and u.pk != actor.pk], note)
    return event


def _notify_note(ticket: Ticket, recipients: list[User], note: str) -> None:
    """A note added to a ticket by one side, told to the other."""
    project = ticket.contract.project
    inbox.notify(
        recipients,
        kind=Notice.Kind.TICKET_NOTE,
        subject=f"#{ticket.number} {ticket.title}：{note[:120]}",
        link=reverse("engagements:ticket", kwargs={"project": project.slug, "ticket_id": ticket.pk}),
        project=project,
    )


def ticket_event(
    *, actor: User, ticket: Ticket, kind: str, note: str = "", at: dt.datetime | None = None
) -> TicketEvent:
    """Append one SLA event (response, on site, waiting on the client, resumed, resolved, note)."""
    project = ticket.contract.project
    permissions.require(actor, "project.record", project)
    if kind not in {k.value for k in K} or kind == K.OPENED:
        raise ValidationError("未知的工单事件")
    kind = K(kind)
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        events = list(ticket.events.all())
        _check_event([e.kind for e in events], kind, ticket.status)
        if at < ticket.opened_at or (events and at < events[-1].at):
            raise ValidationError("事件时间不能早于上一个事件")
        if at > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError("事件时间不能晚于现在")
        event = TicketEvent.objects.create(
            ticket=ticket, kind=kind, at=at, by=actor, note=parse.text(note, MAX_TEXT)
        )
        opener = ticket.opened_by
        if kind == K.NOTE and opener and not permissions.can(opener, "project.record", project):
            # the provider's note answers the client who reported it
            _notify_note(ticket, [opener], event.note)
        if kind in STATUS_AFTER:
            ticket.status = STATUS_AFTER[kind]
        if kind == K.ACKNOWLEDGED and ticket.assignee_id is None:
            ticket.assignee = actor
        ticket.save(update_fields=["status", "assignee"])
        audit.record(
            actor=actor,
            action="ticket.event",
            obj=ticket,
            details={"kind": kind.value, "at": at.isoformat()},
            project=project,
        )
    return event


def ticket_close(*, actor: User, ticket: Ticket, report: str, at: dt.datetime | None = None) -> Ticket:
    """Close a resolved ticket with its closing report (结案报告)."""
    project = ticket.contract.project
    permissions.require(actor, "project.record", project)
    report = parse.text(report, MAX_TEXT)
    if not report:
        raise ValidationError("请填写结案报告")
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if ticket.status != Ticket.Status.RESOLVED:
            raise ValidationError("只有已解决的工单可以关闭")
        TicketEvent.objects.create(ticket=ticket, kind=K.CLOSED, at=at, by=actor, note="")
        ticket.status, ticket.closing_report = Ticket.Status.CLOSED, report
        ticket.save(update_fields=["status", "closing_report"])
        audit.record(actor=actor, action="ticket.close", obj=ticket, project=project)
    return ticket


def training_record(
    *,
    actor: User | None,
    contract: Contract,
    topic: str,
    trainer: str,
    held_on: dt.date,
    attendees: list[dict[str, str]],
    materials: str = "",
    quiz_scores: dict[str, int] | None = None,
) -> TrainingSession:
    if actor is not None:
        permissions.require(actor, "project.record", contract.project)
    if not topic.strip() or not trainer.strip():
        raise ValidationError("请填写培训主题和讲师")
    people = [{"name": a["name"][:50], "department": a.get("department", "")[:100]} for a in attendees]
    with transaction.atomic():
        session = TrainingSession.objects.create(
            contract=contract,
            topic=parse.text(topic, 200),
            trainer=parse.text(trainer, 100),
            held_on=held_on,
            attendees=people,
            materials=parse.text(materials, MAX_TEXT),
            quiz_scores=quiz_scores or {},
        )
        audit.record(
            actor=actor,
            action="service.training",
            obj=session,
            details={"attendees": len(people)},
            project=contract.project,
        )
    return session


def feedback_record(
    *,
    actor: User | None,
    contract: Contract,
    kind: str,
    received_on: dt.date,
    person: str,
    content: str,
    satisfaction: int | None = None,
    handling: str = "",
    handled_on: dt.date | None = None,
) -> Feedback:
    if actor is not None:
        permissions.require(actor, "project.view", contract.project)
    if kind not in Feedback.Kind.values:
        raise ValidationError("请选择回访或投诉")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError("满意度须为 1 到 5")
    with transaction.atomic():
        feedback = Feedback.objects.create(
            contract=contract,
            kind=kind,
            received_on=received_on,
            person=parse.text(person, 100),
            content=parse.text(content, MAX_TEXT),
            satisfaction=satisfaction,
            handling=parse.text(handling, MAX_TEXT),
            handled_on=handled_on,
        )
        audit.record(
            actor=actor,
            action="service.feedback",
            obj=feedback,
            details={"kind": kind},
            project=contract.project,
        )
    return feedback
