"""Alerts after each check: the core state machine per (monitor, rule), incidents, delivery, tickets.

``evaluate`` runs inside the batch's transaction and only writes; delivery (network) happens after
the commit, through the task dispatcher, so a slow DingTalk robot never holds the writer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.urls import reverse

from dengbao.core.monitor import alerts, notify
from dengbao.core.monitor.results import Severity
from dengbao.inbox import services as inbox
from dengbao.inbox.models import Notice

from . import signals, zones
from .alert_models import AlertRule, AlertState, Channel, Incident, IncidentEvent
from .conditions import condition_rows
from .models import Monitor

if TYPE_CHECKING:
    from .checks import Outcome

log = logging.getLogger("dengbao.monitoring")

WATCH_PREFIXES = {
    AlertRule.Watch.AVAILABILITY: ("target.", "http."),
    AlertRule.Watch.CONTENT: ("tamper.", "darklinks", "content."),
    AlertRule.Watch.TLS: ("tls.",),
}
INCIDENT_KIND = {
    AlertRule.Watch.AVAILABILITY: Incident.Kind.DOWN,
    AlertRule.Watch.CONTENT: Incident.Kind.CHANGED,
    AlertRule.Watch.TLS: Incident.Kind.TLS,
    AlertRule.Watch.ALL: Incident.Kind.FAILED,
}
MAX_SNAPSHOT = 1_000_000


def verdict(watch: str, report) -> bool:
    if watch == AlertRule.Watch.ALL:
        return not report.failed
    return report.ok_for(WATCH_PREFIXES[AlertRule.Watch(watch)])


def core_rule(rule: AlertRule) -> alerts.AlertRule:
    return alerts.AlertRule(
        failure_threshold=max(rule.failure_threshold, 1),
        recovery_threshold=max(rule.recovery_threshold, 1),
        quiet_period=rule.quiet_minutes * 60.0,
        repeat_interval=rule.repeat_minutes * 60.0 if rule.repeat_minutes else None,
    )


def _stored(state: alerts.AlertState) -> dict:
    data = state.to_dict()
    if state.phase is alerts.Phase.UP:
        data["successes"] = 0  # counted only while an incident is open: no write per healthy check
    return data


def _relevant(watch: str, report) -> list:
    if watch == AlertRule.Watch.ALL:
        return list(report.failed)
    prefixes = WATCH_PREFIXES[AlertRule.Watch(watch)]
    return [c for c in report.failed if c.name.startswith(prefixes)]


def _open_incident(monitor: Monitor, rule: AlertRule, outcome: Outcome, at: dt.datetime) -> Incident:
    report = outcome.report
    failed = _relevant(rule.watch, report)
    kind = INCIDENT_KIND[AlertRule.Watch(rule.watch)]
    snapshot = ""
    if kind in (Incident.Kind.CHANGED, Incident.Kind.FAILED) and report.fetches and report.fetches[0].text:
        snapshot = report.fetches[0].text[:MAX_SNAPSHOT]
    incident = Incident.objects.create(
        monitor=monitor,
        rule=rule,
        kind=kind,
        severity=str(max((c.severity for c in failed), key=lambda s: s.rank, default=Severity.INFO)),
        summary="；".join(f"{c.name}：{c.detail}" for c in failed[:5])[:2000],
        evidence=condition_rows(failed, only_failed=True),
        opened_at=at,
        snapshot_html=snapshot,
    )
    inbox.notify(
        inbox.managers(monitor.project),
        kind=Notice.Kind.INCIDENT,
        subject=f"{monitor.name}：{incident.get_kind_display()}",
        link=reverse(
            "monitoring:monitor", kwargs={"project": monitor.project.slug, "monitor_id": monitor.pk}
        ),
        project=monitor.project,
    )
    return incident


EXPIRY_KEY = "expiry"  # in AlertState.state of a TLS rule: the certificate-expiry threshold last announced


def _expiry(rule: AlertRule, report, level: int | None) -> tuple[bool, int | None]:
    """For a TLS rule: (remind now?, threshold to remember) from the check's ``tls.expiry`` condition.

    One message as each of the 30/14/7-day thresholds is reached: the first one opens the incident
    (the rule fires on ``tls.expiry``), each later, lower one is a reminder on that incident; a
    renewed certificate clears the threshold. A check without a TLS verdict keeps what was known.
    """
    if rule.watch != AlertRule.Watch.TLS:
        return False, None
    expiry = next((c for c in report.conditions if c.name == "tls.expiry"), None)
    days = expiry.evidence.get("days_left") if expiry is not None else None
    if days is None:
        return False, level
    new_level, remind = alerts.expiry_step(level, int(days))
    return remind, new_level


def _expiry_reminder(incident: Incident, monitor: Monitor, report, at: dt.datetime, level) -> IncidentEvent:
    message = alerts.message_for(monitor.name, report, alerts.EventKind.REMINDER)
    return IncidentEvent.objects.create(
        incident=incident,
        at=at,
        kind=str(alerts.EventKind.REMINDER),
        note=f"证书到期提醒：已到 {level} 天阈值",
        message=message.to_dict(),
    )


def evaluate(outcomes: Sequence[Outcome]) -> list[int]:
    """Step every enabled rule of each monitor's project; returns event ids to deliver."""
    monitor_ids = {o.monitor_id for o in outcomes}
    monitors = {
        m.pk: m for m in Monitor.objects.filter(pk__in=monitor_ids).only("pk", "name", "url", "project_id")
    }
    rules: dict[int, list[AlertRule]] = defaultdict(list)
    for rule in AlertRule.objects.filter(
        project_id__in={m.project_id for m in monitors.values()}, enabled=True
    ):
        rules[rule.project_id].append(rule)
    if not rules:
        return []
    states = {(s.monitor_id, s.rule_id): s for s in AlertState.objects.filter(monitor_id__in=monitor_ids)}
    incidents = {
        i.pk: i
        for i in Incident.objects.filter(pk__in=[s.incident_id for s in states.values() if s.incident_id])
    }
    to_create, to_update, deliver = [], [], []
    for outcome in sorted(outcomes, key=lambda o: o.report.checked_at):
        monitor = monitors.get(outcome.monitor_id)
        if monitor is None:
            continue
        report = outcome.report
        at = report.checked_at
        for rule in rules.get(monitor.project_id, ()):
            if outcome.partial and rule.watch != AlertRule.Watch.AVAILABILITY:
                continue  # content and TLS were not judged by this check (first analysis pending)
            row = states.get((monitor.pk, rule.pk))
            saved = dict(row.state) if row and row.state else {}
            level = saved.pop(EXPIRY_KEY, None)
            before = alerts.AlertState.from_dict(saved) if saved else alerts.AlertState()
            after, event = alerts.step(core_rule(rule), before, verdict(rule.watch, report), at.timestamp())
            remind, new_level = _expiry(rule, report, level)
            stored = _stored(after) | ({EXPIRY_KEY: new_level} if new_level is not None else {})
            if row is None:
                row = AlertState(monitor_id=monitor.pk, rule_id=rule.pk, state={})
                states[(monitor.pk, rule.pk)] = row
                to_create.append(row)
            elif stored != row.state and row not in to_update and row not in to_create:
                to_update.append(row)
            row.state = stored
            if event is None and remind and row.incident_id in incidents:
                evt = _expiry_reminder(incidents[row.incident_id], monitor, report, at, new_level)
                deliver.append(evt.pk)
            if event is None:
                continue
            incident = incidents.get(row.incident_id) if row.incident_id else None
            if event.kind is alerts.EventKind.FIRING and incident is None:
                incident = _open_incident(monitor, rule, outcome, at)
                incidents[incident.pk] = incident
                row.incident_id = incident.pk
                if row not in to_create and row not in to_update:
                    to_update.append(row)
            if incident is None:
                continue
            message = alerts.message_for(monitor.name, report, event.kind)
            kind = str(event.kind) if event.notify else "held"
            if event.kind is alerts.EventKind.RESOLVED:
                incident.closed_at = at
                incident.save(update_fields=["closed_at"])
                row.incident_id = None
                kind = "resolved"
            evt = IncidentEvent.objects.create(
                incident=incident,
                at=at,
                kind=kind,
                note=event.note,
                message=message.to_dict() if event.notify else {},
            )
            if event.notify:
                deliver.append(evt.pk)
    AlertState.objects.bulk_create(to_create)
    if to_update:
        AlertState.objects.bulk_update(to_update, ["state", "incident"])
    return deliver


def message_from(data: dict) -> alerts.AlertMessage:
    return alerts.AlertMessage(
        monitor=data["monitor"],
        url=data["url"],
        event=data["event"],
        severity=Severity(data["severity"]),
        lines=tuple(data["lines"]),
        at=dt.datetime.fromisoformat(data["at"]),
        link=data.get("link"),
    )


def core_channel(channel: Channel) -> notify.Channel:
    conf = channel.config or {}
    secret = channel.secret or None
    mobiles = tuple(m for m in conf.get("mobiles", ()) if m)
    if channel.kind == Channel.Kind.DINGTALK:
        return notify.DingTalkChannel(conf.get("url", ""), secret, mobiles)
    if channel.kind == Channel.Kind.WECOM:
        return notify.WeComChannel(conf.get("url", ""), mobiles)
    if channel.kind == Channel.Kind.FEISHU:
        return notify.FeishuChannel(conf.get("url", ""), secret)
    if channel.kind == Channel.Kind.EMAIL:
        return notify.EmailChannel(
            host=conf.get("host", ""),
            sender=conf.get("sender", ""),
            recipients=tuple(conf.get("recipients", ())),
            port=int(conf.get("port") or 25),
            username=conf.get("username") or None,
            password=secret,
            starttls=bool(conf.get("starttls")),
            use_ssl=bool(conf.get("use_ssl")),
        )
    return notify.WebhookChannel(conf.get("url", ""), secret)


def channel_policy(channel: Channel) -> notify.TargetPolicy:
    """Any public host; private addresses only for a channel the security administrator marked as an
    internal receiver; loopback, link-local and metadata addresses only by the deployment's allowance."""
    return notify.TargetPolicy.build(
        hosts=None, allow_private=channel.allow_private, networks=zones.outbound_allowance()
    )


def send(channel: Channel, message: alerts.AlertMessage) -> notify.Delivery:
    return asyncio.run(notify.send(core_channel(channel), message, policy=channel_policy(channel)))


def deliver(event_ids: Sequence[int]) -> None:
    """Send each event's message on its rule's channels; open a ticket when the rule asks for one."""
    for event in IncidentEvent.objects.filter(pk__in=list(event_ids)).select_related(
        "incident__rule", "incident__monitor__project"
    ):
        incident, rule = event.incident, event.incident.rule
        if rule is None or not event.message:
            continue
        message = message_from(event.message)
        for channel in rule.channels.filter(enabled=True):
            result = send(channel, message)
            IncidentEvent.objects.create(
                incident=incident,
                at=dt.datetime.now(dt.UTC),
                kind="delivered" if result.ok else "undelivered",
                note=f"{channel.name}：{result.detail}"[:1000],
            )
        if rule.open_ticket and event.kind == alerts.EventKind.FIRING and incident.ticket_id is None:
            signals.ticket_wanted.send(sender=Incident, incident=incident, rule=rule, message=message)
