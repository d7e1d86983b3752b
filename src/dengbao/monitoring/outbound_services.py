"""Outbound requests under the platform's control: what only the security administrator may allow.

A project manager decides what is monitored and where alerts go, but not which internal addresses
the platform may reach on his behalf: a monitor or a webhook is a request the server sends, so
letting it reach a private address is a security decision (三权分立: the security administrator's,
``platform.security``). Two such decisions exist:

- a host approved for private addresses, per project and zone (``PrivateHost``);
- an alert channel whose receiver is on a private address (``Channel.allow_private``).

Loopback, link-local, unspecified and cloud metadata addresses are approved by nobody here: only
the deployment setting ``DENGBAO_OUTBOUND_ALLOW_ADDRESSES`` opens them. Every refusal of someone
else trying is audited.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.monitor.ssrf import NEVER_LABELS, PRIVATE, PUBLIC, classify, in_networks
from dengbao.core.monitor.urls import BadURL, check_host, is_ip_literal
from dengbao.errors import Refused

from . import zones
from .alert_models import Channel
from .models import Monitor, PrivateHost

ACTION = "platform.security"


def refuse(*, actor: User, action: str, project: Project | None, details: dict, obj=None) -> None:
    """Record that ``actor`` tried to allow an internal target, then refuse (403)."""
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        outcome="denied",
        project=project,
        details={**details, "wanted": ACTION},
    )
    raise Refused("only the security administrator may allow internal addresses")


def _touch(project: Project, zone: str | None = None) -> None:
    """Bump the monitors' ``updated_at`` so the scheduler rebuilds their plans within seconds."""
    rows = Monitor.objects.filter(project=project)
    if zone is not None:
        rows = rows.filter(zone=zone)
    rows.update(updated_at=timezone.now())


def _allowance() -> list:
    return [ipaddress.ip_network(n) for n in zones.outbound_allowance()]


def private_host_add(*, actor: User, project: Project, zone: str, host: str, note: str = "") -> PrivateHost:
    """Let ``host`` reach private addresses for ``project``'s monitors in ``zone``."""
    permissions.require(actor, ACTION)
    if zone not in zones.private_zones():
        raise ValidationError(f"网络区域“{zone[:40]}”不能访问内网地址，无需批准")
    text = (host or "").strip().lower().rstrip(".")
    try:
        checked = check_host(text, wildcard=True)
    except BadURL as exc:
        raise ValidationError(exc.reason) from None
    if is_ip_literal(checked):
        kind = classify(checked)
        if kind == PUBLIC:
            raise ValidationError(f"“{checked}”是公网地址，无需批准")
        if kind in NEVER_LABELS and not in_networks(checked, _allowance()):
            raise ValidationError(
                f"“{checked}”是{NEVER_LABELS[kind]}，不能批准（只有部署设置 "
                "DENGBAO_OUTBOUND_ALLOW_ADDRESSES 可以放行）"
            )
    stored = text if not text.isascii() else checked
    if PrivateHost.objects.filter(project=project, zone=zone, host=stored).exists():
        raise ValidationError(f"主机“{stored}”已获准在该区域访问内网地址")
    with transaction.atomic():
        row = PrivateHost.objects.create(
            project=project, zone=zone, host=stored, note=(note or "").strip()[:200], approved_by=actor
        )
        _touch(project, zone)
        audit.record(
            actor=actor,
            action="monitor.private_host_add",
            obj=row,
            project=project,
            details={"host": stored, "zone": zone},
        )
    return row


def private_host_remove(*, actor: User, row: PrivateHost) -> None:
    permissions.require(actor, ACTION)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="monitor.private_host_remove",
            obj=row,
            project=row.project,
            details={"host": row.host, "zone": row.zone},
        )
        row.delete()
        _touch(row.project, row.zone)


def channel_private_set(*, actor: User, channel: Channel, allow: bool) -> Channel:
    """Whether the channel's receiver may be on a private address (never loopback or metadata)."""
    permissions.require(actor, ACTION)
    with transaction.atomic():
        before = channel.allow_private
        Channel.objects.filter(pk=channel.pk).update(allow_private=allow)
        channel.allow_private = allow
        audit.record(
            actor=actor,
            action="monitor.channel_private",
            obj=channel,
            project=channel.project,
            before={"allow_private": before},
            after={"allow_private": allow, "target": channel_target(channel)},
        )
    return channel


def channel_target(channel: Channel) -> str:
    """Where the channel sends, without path or query (a robot's URL carries its access token)."""
    conf = channel.config or {}
    if channel.kind == Channel.Kind.EMAIL:
        return f"smtp://{conf.get('host', '')}:{conf.get('port', 25)}"
    try:
        parts = urlsplit(str(conf.get("url", "")))
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "?"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


# --- what the security administrator's page reads ---------------------------------


def private_hosts(*, actor: User) -> QuerySet[PrivateHost]:
    permissions.require(actor, ACTION)
    return PrivateHost.objects.select_related("project", "approved_by").order_by(
        "project__name", "zone", "host"
    )


def private_host_get(*, actor: User, row_id: int) -> PrivateHost:
    permissions.require(actor, ACTION)
    row = PrivateHost.objects.select_related("project").filter(pk=row_id).first()
    if row is None:
        raise ValidationError("该批准记录不存在")
    return row


def channels(*, actor: User) -> list[dict]:
    """Every HTTP and e-mail channel with its target (scheme, host, port only) and its flag."""
    permissions.require(actor, ACTION)
    rows = Channel.objects.select_related("project").order_by("project__name", "name", "pk")
    return [{"channel": c, "target": channel_target(c)} for c in rows]


def channel_get(*, actor: User, channel_id: int) -> Channel:
    permissions.require(actor, ACTION)
    channel = Channel.objects.select_related("project").filter(pk=channel_id).first()
    if channel is None:
        raise ValidationError("该告警通道不存在")
    return channel


def projects(*, actor: User) -> QuerySet[Project]:
    permissions.require(actor, ACTION)
    return Project.objects.select_related("client").order_by("name")


def waiting(*, actor: User) -> list[dict]:
    """Hosts of enabled monitors in a private zone that no approval covers yet: what to review."""
    from .plans import policy_for, private_hosts_by

    permissions.require(actor, ACTION)
    private = zones.private_zones()
    rows = list(
        Monitor.objects.filter(enabled=True, zone__in=list(private))
        .select_related("project")
        .order_by("project__name", "name")
    )
    approved = private_hosts_by({m.project_id for m in rows})
    out: dict[tuple[int, str, str], dict] = {}
    for monitor in rows:
        try:
            host = urlsplit(monitor.url).hostname or ""
        except ValueError:
            continue
        policy = policy_for([], monitor.zone, approved.get((monitor.project_id, monitor.zone), ()))
        if is_ip_literal(host) and classify(host) != PRIVATE:
            continue  # public: nothing to approve; loopback, metadata ...: nobody can approve it
        if host and not policy.host_may_be_private(host):
            key = (monitor.project_id, monitor.zone, host)
            out.setdefault(
                key, {"project": monitor.project, "zone": private[monitor.zone], "host": host, "monitors": []}
            )["monitors"].append(monitor.name)
    return list(out.values())
