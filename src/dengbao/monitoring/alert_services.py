"""Writes of alert channels and rules, and a channel's test message. Only the manager (``project.edit``);
whether a channel may send to a private address is the security administrator's (outbound_services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.monitor import alerts, notify
from dengbao.core.monitor.results import Severity
from dengbao.core.monitor.urls import BadURL, check_host, parse_web_url

from . import alerting, outbound_services
from .alert_models import AlertRule, Channel

PRIORITIES = ("P1", "P2", "P3", "P4")


def _url(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError("请填写 http:// 或 https:// 开头的接收地址")
    try:
        return parse_web_url(value).url
    except BadURL as exc:
        raise ValidationError(f"接收地址无效：{exc.reason}") from None


def _smtp_host(value: str) -> str:
    try:
        check_host(str(value or "").strip())
    except BadURL as exc:
        raise ValidationError(f"SMTP 服务器无效：{exc.reason}") from None
    return str(value).strip().lower()[:253]


def _config(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind == Channel.Kind.EMAIL:
        recipients = [
            r.strip() for r in str(data.get("recipients", "")).replace(",", "\n").splitlines() if r.strip()
        ]
        if not data.get("host") or not data.get("sender") or not recipients:
            raise ValidationError("电子邮件通道需要 SMTP 服务器、发件人和收件人")
        try:
            port = int(data.get("port") or 25)
        except ValueError:
            raise ValidationError("端口须为数字") from None
        if not 1 <= port <= 65535:
            raise ValidationError("端口须在 1 到 65535 之间")
        return {
            "host": _smtp_host(data["host"]),
            "port": port,
            "sender": str(data["sender"]).strip()[:200],
            "recipients": recipients[:20],
            "username": str(data.get("username") or "").strip()[:200],
            "starttls": bool(data.get("starttls")),
            "use_ssl": bool(data.get("use_ssl")),
        }
    mobiles = [m.strip() for m in str(data.get("mobiles", "")).replace(",", "\n").splitlines() if m.strip()]
    return {"url": _url(data.get("url", "")), "mobiles": mobiles[:20]}


def _refuse_private(
    actor: User, project: Project, data: dict[str, Any], channel: Channel | None = None
) -> None:
    """``allow_private`` is the security administrator's (outbound_services), never the manager's."""
    if data.get("allow_private"):
        outbound_services.refuse(
            actor=actor,
            action="monitor.channel_update" if channel else "monitor.channel_create",
            project=project,
            obj=channel,
            details={"allow_private": True},
        )


def channel_create(*, actor: User, project: Project, kind: str, name: str, data: dict[str, Any]) -> Channel:
    permissions.require(actor, "project.edit", project)
    _refuse_private(actor, project, data)
    if kind not in Channel.Kind.values:
        raise ValidationError("请选择通道类型")
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError("请填写通道名称")
    with transaction.atomic():
        channel = Channel.objects.create(
            project=project,
            name=name,
            kind=kind,
            config=_config(kind, data),
            secret=str(data.get("secret") or "").strip()[:500],
        )
        audit.record(
            actor=actor, action="monitor.channel_create", obj=channel, project=project, details={"kind": kind}
        )
    return channel


def channel_update(*, actor: User, channel: Channel, name: str, data: dict[str, Any]) -> Channel:
    """Update a channel; an empty secret field keeps the stored secret (it is never shown back).

    A new receiver (another scheme, host or port) loses the security administrator's permission
    to be on a private address: that permission was given for the old one.
    """
    permissions.require(actor, "project.edit", channel.project)
    _refuse_private(actor, channel.project, data, channel)
    with transaction.atomic():
        before = outbound_services.channel_target(channel)
        channel.name = (name or channel.name).strip()[:100]
        channel.config = _config(channel.kind, data)
        if data.get("clear_secret"):
            channel.secret = ""
        elif str(data.get("secret") or "").strip():
            channel.secret = str(data["secret"]).strip()[:500]
        moved = outbound_services.channel_target(channel) != before
        revoked = moved and channel.allow_private
        if revoked:
            channel.allow_private = False
        channel.enabled = bool(data.get("enabled", True))
        channel.save()
        audit.record(
            actor=actor,
            action="monitor.channel_update",
            obj=channel,
            project=channel.project,
            details={"allow_private_revoked": True} if revoked else None,
        )
    return channel


def channel_delete(*, actor: User, channel: Channel) -> None:
    permissions.require(actor, "project.edit", channel.project)
    with transaction.atomic():
        audit.record(actor=actor, action="monitor.channel_delete", obj=channel, project=channel.project)
        channel.delete()


def channel_test(*, actor: User, channel: Channel) -> notify.Delivery:
    """Send a test message now and say what the receiver answered."""
    permissions.require(actor, "project.edit", channel.project)
    message = alerts.AlertMessage(
        monitor=channel.project.name,
        url="-",
        event="test",
        severity=Severity.INFO,
        lines=(f"这是通道“{channel.name}”的测试消息，收到即表示配置正确。",),
        at=dt.datetime.now(dt.UTC),
    )
    result = alerting.send(channel, message)  # its detail: status code and time, never the reply
    audit.record(
        actor=actor,
        action="monitor.channel_test",
        obj=channel,
        project=channel.project,
        outcome="ok" if result.ok else "failed",
        details={
            "detail": result.detail[:300],
            "ms": None if result.seconds is None else round(result.seconds * 1000),
        },
    )
    return result


def _rule_fields(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()[:100]
    if not name:
        raise ValidationError("请填写规则名称")
    if data.get("watch") not in AlertRule.Watch.values:
        raise ValidationError("请选择规则关注的检查项")
    try:
        failures = int(data.get("failure_threshold") or 3)
        recoveries = int(data.get("recovery_threshold") or 2)
        quiet = int(data.get("quiet_minutes") or 0)
        repeat = int(data["repeat_minutes"]) if str(data.get("repeat_minutes") or "").strip() else None
    except ValueError:
        raise ValidationError("次数和分钟数须为整数") from None
    if not (1 <= failures <= 100 and 1 <= recoveries <= 100 and 0 <= quiet <= 1440):
        raise ValidationError("失败/恢复次数须在 1–100 之间，静默期在 0–1440 分钟之间")
    priority = data.get("ticket_priority") or "P2"
    if priority not in PRIORITIES:
        raise ValidationError("请选择工单优先级")
    return {
        "name": name,
        "watch": data["watch"],
        "failure_threshold": failures,
        "recovery_threshold": recoveries,
        "quiet_minutes": quiet,
        "repeat_minutes": repeat,
        "open_ticket": bool(data.get("open_ticket")),
        "ticket_priority": priority,
        "enabled": bool(data.get("enabled", True)),
    }


def rule_save(
    *,
    actor: User,
    project: Project,
    data: dict[str, Any],
    channel_ids: list[int],
    rule: AlertRule | None = None,
) -> AlertRule:
    permissions.require(actor, "project.edit", project)
    fields = _rule_fields(project, data)
    channels = list(Channel.objects.filter(project=project, pk__in=channel_ids))
    with transaction.atomic():
        if rule is None:
            rule = AlertRule.objects.create(project=project, created_by=actor, **fields)
        else:
            for key, value in fields.items():
                setattr(rule, key, value)
            if rule.created_by_id is None:
                rule.created_by = actor
            rule.save()
        rule.channels.set(channels)
        audit.record(
            actor=actor,
            action="monitor.rule_save",
            obj=rule,
            project=project,
            after={**fields, "channels": [c.pk for c in channels]},
        )
    return rule


def rule_delete(*, actor: User, rule: AlertRule) -> None:
    permissions.require(actor, "project.edit", rule.project)
    with transaction.atomic():
        audit.record(actor=actor, action="monitor.rule_delete", obj=rule, project=rule.project)
        rule.delete()
