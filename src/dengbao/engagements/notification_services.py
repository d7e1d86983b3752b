"""SLA breach notifications: when a clock of an open ticket enters the warning or the breached
state, one ``SlaNotification`` row is stored (audited) and sent on the project's channels.

The row is unique per ticket, clock and state, so a state change is notified once however
often the job runs, and two jobs running at once cannot both send it. The channels come
from the monitoring app (the project's enabled alert channels) or, when set,
``settings.DENGBAO_NOTIFY_CHANNELS``: the dotted path of a callable taking the project and
returning ``(channel, TargetPolicy)`` pairs of ``core.monitor.notify``. Without a channel
nothing is sent; the row is still kept, and the dashboard shows the clock in any case.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from dengbao.accounts.models import Project
from dengbao.audit import services as audit
from dengbao.core.engagement import sla
from dengbao.core.monitor import notify
from dengbao.core.monitor.alerts import AlertMessage
from dengbao.core.monitor.results import Severity
from dengbao.core.monitor.ssrf import TargetPolicy

from .followup_models import SlaNotification
from .selectors import ticket_clocks
from .service_models import Ticket

log = logging.getLogger("dengbao.engagements")

NOTIFIED_STATES = {
    sla.State.WARNING: SlaNotification.State.WARNING,
    sla.State.BREACHED: SlaNotification.State.BREACHED,
}
CLOCK_NAMES = {"response": "响应", "on_site": "到场"}
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class SlaMessage(AlertMessage):
    """The monitoring channels' message, worded for an emergency ticket."""

    @property
    def title(self) -> str:
        word = "已超时" if self.event == SlaNotification.State.BREACHED else "即将超时"
        return f"【dengbao 应急响应{word}】{self.monitor}"

    def text(self) -> str:
        local = self.at.astimezone(BEIJING)
        body = [self.title, *self.lines, f"时间：{local:%Y-%m-%d %H:%M:%S}（北京时间）"]
        if self.link:
            body.append(f"详情：{self.link}")
        return "\n".join(body)


def channels_for(project: Project) -> list[tuple[notify.Channel, TargetPolicy]]:
    """The project's notification channels: the setting's provider if set, else the monitoring
    app's enabled alert channels of the project (when that app is installed), else none."""
    path = getattr(settings, "DENGBAO_NOTIFY_CHANNELS", "")
    if path:
        return list(import_string(path)(project))
    if not apps.is_installed("dengbao.monitoring"):
        return []
    try:
        from dengbao.monitoring.alerting import channel_policy, core_channel
    except ImportError:
        log.warning("dengbao.monitoring has no channel_policy/core_channel: SLA notifications only recorded")
        return []
    stored = apps.get_model("monitoring", "Channel").objects.filter(project=project, enabled=True)
    return [(core_channel(c), channel_policy(c)) for c in stored]


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def message_for(note: SlaNotification) -> SlaMessage:
    ticket = note.ticket
    project = ticket.contract.project
    path = reverse("engagements:ticket", kwargs={"project": project.slug, "ticket_id": ticket.pk})
    clock = CLOCK_NAMES.get(note.clock, note.clock)
    elapsed = dt.timedelta(seconds=note.elapsed_seconds)
    limit = dt.timedelta(seconds=note.limit_seconds)
    lines = [
        f"项目：{project.name}",
        f"工单：#{ticket.number} {ticket.title}（{ticket.priority}，{ticket.get_kind_display()}）",
        f"{clock}时限：{_minutes(limit)} 分钟，已计时 {_minutes(elapsed)} 分钟",
    ]
    if note.breached_at:
        lines.append(f"超时时刻：{note.breached_at.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）")
    else:
        lines.append(f"剩余：{_minutes(limit - elapsed)} 分钟")
    severity = Severity.HIGH if note.state == SlaNotification.State.BREACHED else Severity.MEDIUM
    return SlaMessage(
        monitor=f"#{ticket.number} {ticket.title}",
        url=path,
        event=note.state,
        severity=severity,
        lines=tuple(lines),
        at=note.at,
        link=path,
    )


def _record(ticket: Ticket, clock: sla.Clock, now: dt.datetime) -> SlaNotification | None:
    state = NOTIFIED_STATES[clock.state]
    if SlaNotification.objects.filter(ticket=ticket, clock=clock.target, state=state).exists():
        return None
    try:
        with transaction.atomic():
            note = SlaNotification.objects.create(
                ticket=ticket,
                clock=clock.target,
                state=state,
                at=now,
                breached_at=clock.breached_at,
                elapsed_seconds=int(clock.elapsed.total_seconds()),
                limit_seconds=int(clock.limit.total_seconds()),
                message="",
            )
            note.message = message_for(note).text()
            note.save(update_fields=["message"])
            audit.record(
                actor=None,
                action="ticket.sla_notification",
                obj=ticket,
                details={"clock": clock.target, "state": state, "elapsed_seconds": note.elapsed_seconds},
                project=ticket.contract.project,
            )
    except IntegrityError:  # another run recorded it first
        return None
    return note


async def _send_all(
    pairs: Iterable[tuple[notify.Channel, TargetPolicy]], message: SlaMessage
) -> list[notify.Delivery]:
    return list(
        await asyncio.gather(*(notify.send(channel, message, policy=policy) for channel, policy in pairs))
    )


def deliver(note: SlaNotification) -> list[dict]:
    """Send one recorded notification on the project's channels; the results are stored on it."""
    project = note.ticket.contract.project
    pairs = channels_for(project)
    if not pairs:
        return []
    results = asyncio.run(_send_all(pairs, message_for(note)))
    note.deliveries = [{"channel": d.channel, "ok": d.ok, "detail": d.detail[:300]} for d in results]
    note.save(update_fields=["deliveries"])
    audit.record(
        actor=None,
        action="ticket.sla_delivery",
        obj=note.ticket,
        outcome="ok" if all(d.ok for d in results) else "failed",
        details={"clock": note.clock, "state": note.state, "deliveries": note.deliveries},
        project=project,
    )
    return note.deliveries


def sla_scan(*, now: dt.datetime | None = None) -> list[SlaNotification]:
    """Look at every ticket still being handled; record and send each new warning or breach."""
    now = now or timezone.now()
    tickets = (
        Ticket.objects.filter(status__in=[Ticket.Status.OPEN, Ticket.Status.WAITING])
        .select_related("contract__project")
        .prefetch_related("events", "contract__sla_policies")
        .order_by("pk")
    )
    recorded = []
    for ticket in tickets:
        policies = {p.priority: p for p in ticket.contract.sla_policies.all()}
        for clock in ticket_clocks(ticket, policies, now):
            if clock.state in NOTIFIED_STATES:
                note = _record(ticket, clock, now)
                if note is not None:
                    recorded.append(note)
    for note in recorded:
        try:
            deliver(note)
        except Exception:  # a broken channel must not stop the others' notifications
            log.exception("SLA notification %s could not be sent", note.pk)
    return recorded
