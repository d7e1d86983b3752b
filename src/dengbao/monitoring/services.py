"""Writes of the monitoring app: allowed hosts, monitors, baselines, word lists, checks on demand.

The project manager (``project.edit``) decides what is monitored and where alerts go; the
provider's staff (``project.record``) approve baselines and run a check now. Which hosts may reach
private addresses is the security administrator's (``outbound_services``). Every write is audited;
check results themselves are data and are not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.monitor.snapshot import take
from dengbao.core.monitor.ssrf import PUBLIC, classify
from dengbao.core.monitor.tamper import Baseline as CoreBaseline
from dengbao.core.monitor.urls import BadURL, check_host, is_ip_literal, parse_web_url

from . import outbound_services, plans, zones
from .alert_models import AlertRule, Incident, IncidentEvent
from .history_models import CheckResult, Rollup
from .models import AllowedHost, Baseline, Monitor, MonitorStatus, PageCapture, PrivateHost, WordList

MAX_PAGES = 20


def _lines(value: str | list[str], limit: int = 50) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else list(value)
    return [i.strip() for i in items if i and i.strip()][:limit]


def _host_ok(host: str) -> str:
    """A host as the manager lists it, validated like every outbound host; stored as typed (lower case)."""
    text = (host or "").strip().lower().rstrip(".")
    try:
        checked = check_host(text, wildcard=True)
    except BadURL as exc:
        raise ValidationError(exc.reason) from None
    return text if not text.isascii() else checked


# --- allowed hosts ---------------------------------------------------------


def host_add(*, actor: User, project: Project, host: str, note: str = "") -> AllowedHost:
    """List a host the project's monitors may target; it reaches public addresses only.

    An internal address (private, loopback, link-local, metadata ...) is not the manager's to allow:
    the refusal is audited, and only the security administrator approves a host for private
    addresses, per project and zone (``outbound_services.private_host_add``).
    """
    permissions.require(actor, "project.edit", project)
    host = _host_ok(host)
    if is_ip_literal(host) and classify(host) != PUBLIC:
        outbound_services.refuse(
            actor=actor,
            action="monitor.host_add",
            project=project,
            details={"host": host, "reason": "internal address"},
        )
    if AllowedHost.objects.filter(project=project, host=host).exists():
        raise ValidationError(f"主机“{host}”已在清单中")
    with transaction.atomic():
        row = AllowedHost.objects.create(project=project, host=host, note=parse.text(note, 200))
        audit.record(actor=actor, action="monitor.host_add", obj=row, project=project, details={"host": host})
    return row


def host_remove(*, actor: User, host: AllowedHost) -> None:
    permissions.require(actor, "project.edit", host.project)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="monitor.host_remove",
            obj=host,
            project=host.project,
            details={"host": host.host},
        )
        host.delete()
        Monitor.objects.filter(project=host.project).update(updated_at=timezone.now())


# --- monitors ---------------------------------------------------------------


def check_target(*, project: Project, url: str, zone: str) -> str:
    """The SSRF guard at save time: an http(s) URL on a host the project lists, reachable from the zone.

    The same strict URL rules as every request at run time (core.monitor.urls), so a URL saved here
    never fails to parse there.
    """
    try:
        target = parse_web_url(url)
    except BadURL as exc:
        raise ValidationError(exc.reason) from None
    hosts = list(AllowedHost.objects.filter(project=project).values_list("host", flat=True))
    private = PrivateHost.objects.filter(project=project, zone=zone).values_list("host", flat=True)
    policy = plans.policy_for(hosts, zone, list(private))
    if not policy.host_allowed(target.host):
        raise ValidationError(f"主机“{target.host}”不在本项目允许监测的主机清单中，请先在“允许的主机”中添加")
    if target.is_ip:
        refusal = policy.address_refusal(target.host, host=target.host)
        if refusal is not None:
            raise ValidationError(f"“{zones.zone(zone).label}”区域不能访问该地址：{refusal}")
    return target.url


def _monitor_fields(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    name = parse.text(data.get("name", ""), 200)
    if not name:
        raise ValidationError("请填写名称")
    zone = data.get("zone") or zones.DEFAULT_ZONE
    if zone not in zones.zones():
        raise ValidationError(f"未知的网络区域“{zone[:40]}”")
    url = check_target(project=project, url=data.get("url", ""), zone=zone)
    pages = _lines(data.get("extra_pages", []), MAX_PAGES)
    for page in pages:
        check_target(project=project, url=page, zone=zone)
    try:
        interval = int(data.get("interval_seconds") or 60)
        heightened = int(data.get("heightened_interval_seconds") or 30)
        timeout = float(data.get("timeout_seconds") or 10)
        depth = int(data.get("crawl_depth") or 0)
        statuses = [int(s) for s in _lines(str(data.get("expected_status", "")).replace(",", "\n"))]
        max_ms = int(data["max_response_ms"]) if str(data.get("max_response_ms") or "").strip() else None
    except (TypeError, ValueError):
        raise ValidationError("间隔、超时、状态码和响应时间上限须为数字") from None
    if not 10 <= interval <= 86400 or not 10 <= heightened <= 86400:
        raise ValidationError("检查间隔须在 10 秒到 1 天之间")
    if not 1 <= timeout <= 60:
        raise ValidationError("超时须在 1 到 60 秒之间")
    if not 0 <= depth <= 2:
        raise ValidationError("抓取深度须为 0、1 或 2")
    if any(not 100 <= s <= 599 for s in statuses):
        raise ValidationError("期望状态码须在 100 到 599 之间")
    dates = []
    for value in _lines(str(data.get("heightened_dates", "")).replace(",", "\n"), 366):
        try:
            dates.append(dt.date.fromisoformat(value).isoformat())
        except ValueError:
            raise ValidationError(f"重点保障日期“{value[:20]}”无效（格式：2026-10-01）") from None
    headers = {}
    for line in _lines(data.get("headers", ""), 20):
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ValidationError(f"请求头“{line[:40]}”应写成“名称: 值”")
        headers[key.strip()] = value.strip()
    return {
        "name": name,
        "url": url,
        "zone": zone,
        "extra_pages": pages,
        "crawl_depth": depth,
        "interval_seconds": interval,
        "heightened_interval_seconds": heightened,
        "timeout_seconds": timeout,
        "expected_status": statuses,
        "keywords_present": _lines(data.get("keywords_present", "")),
        "keywords_absent": _lines(data.get("keywords_absent", "")),
        "max_response_ms": max_ms,
        "headers": headers,
        "ignore_selectors": _lines(data.get("ignore_selectors", "")),
        "heightened_on_holidays": bool(data.get("heightened_on_holidays", True)),
        "heightened_dates": dates,
        "enabled": bool(data.get("enabled", True)),
    }


def rules_ensure_defaults(*, actor: User | None, project: Project) -> None:
    """A project's first monitor brings three editable rules: availability, content changes, and
    certificate problems (which also reminds at the 30/14/7-day expiry thresholds)."""
    if AlertRule.objects.filter(project=project).exists():
        return
    AlertRule.objects.create(
        project=project, name="网站不可用", watch=AlertRule.Watch.AVAILABILITY, created_by=actor
    )
    AlertRule.objects.create(
        project=project,
        name="页面篡改与暗链",
        watch=AlertRule.Watch.CONTENT,
        failure_threshold=1,
        recovery_threshold=1,
        created_by=actor,
    )
    AlertRule.objects.create(
        project=project,
        name="证书问题与到期",
        watch=AlertRule.Watch.TLS,
        failure_threshold=1,
        recovery_threshold=1,
        created_by=actor,
    )


def monitor_create(*, actor: User | None, project: Project, data: dict[str, Any]) -> Monitor:
    if actor is not None:
        permissions.require(actor, "project.edit", project)
    fields = _monitor_fields(project, data)
    with transaction.atomic():
        monitor = Monitor.objects.create(project=project, **fields)
        MonitorStatus.objects.create(monitor=monitor)
        rules_ensure_defaults(actor=actor, project=project)
        audit.record(
            actor=actor, action="monitor.create", obj=monitor, project=project, after={"url": monitor.url}
        )
    return monitor


def monitor_update(*, actor: User, monitor: Monitor, data: dict[str, Any]) -> Monitor:
    permissions.require(actor, "project.edit", monitor.project)
    fields = _monitor_fields(monitor.project, data)
    with transaction.atomic():
        before = {k: getattr(monitor, k) for k in fields}
        for key, value in fields.items():
            setattr(monitor, key, value)
        monitor.updated_at = timezone.now()
        monitor.save()
        changed = {k: v for k, v in fields.items() if before[k] != v}
        audit.record(
            actor=actor,
            action="monitor.update",
            obj=monitor,
            project=monitor.project,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return monitor


def monitor_delete(*, actor: User, monitor: Monitor) -> None:
    permissions.require(actor, "project.edit", monitor.project)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="monitor.delete",
            obj=monitor,
            project=monitor.project,
            details={"url": monitor.url},
        )
        monitor.delete()


def monitor_check(*, actor: User, monitor: Monitor):
    """Check one monitor now (the detail page's button); returns its outcome.

    A monitor of a zone this server does not check (the intranet, by default) is never fetched
    from here: with Redis the request goes to that zone's worker, and ``None`` is returned.
    """
    permissions.require(actor, "project.record", monitor.project)
    from . import runner

    if not zones.runs_here(monitor.zone):
        sent = runner.check_in_zone_later(monitor.pk, monitor.zone)
        audit.record(
            actor=actor,
            action="monitor.check",
            obj=monitor,
            project=monitor.project,
            details={"zone": monitor.zone, "sent_to_zone_worker": sent},
        )
        return None
    outcomes = runner.run_batch([monitor.pk])
    audit.record(actor=actor, action="monitor.check", obj=monitor, project=monitor.project)
    return outcomes[0] if outcomes else None


# --- baselines ----------------------------------------------------------------


def current_baseline(monitor: Monitor) -> Baseline | None:
    return monitor.baselines.order_by("-version").first()


def baseline_approve(*, actor: User, monitor: Monitor, dom_hash: str, note: str = "") -> Baseline:
    """Approve the page as last captured (the one the person saw in the diff) as the next version."""
    permissions.require(actor, "project.record", monitor.project)
    capture = PageCapture.objects.filter(monitor=monitor).first()
    if capture is None:
        raise ValidationError("还没有可批准的页面，请先检查一次")
    if capture.dom_hash != dom_hash:
        raise ValidationError("页面在您查看后又有变化，请查看最新的对比后再批准")
    snapshot = take(capture.url, capture.html, plans.config_for(monitor).normalise)
    with transaction.atomic():
        Monitor.objects.select_for_update().get(pk=monitor.pk)
        previous = current_baseline(monitor)
        core = CoreBaseline.approve(
            snapshot,
            approved_by=actor.get_full_name() or actor.get_username(),
            previous=CoreBaseline.from_dict(previous.snapshot) if previous else None,
            note=parse.text(note, 500),
        )
        baseline = Baseline.objects.create(
            monitor=monitor, version=core.version, snapshot=core.to_dict(), approved_by=actor, note=core.note
        )
        now = timezone.now()
        for incident in Incident.objects.filter(monitor=monitor, kind=Incident.Kind.CHANGED, closed_at=None):
            IncidentEvent.objects.create(
                incident=incident,
                at=now,
                kind="approved",
                note=f"{baseline.approved_by} 批准为基线第 {core.version} 版",
            )
        Monitor.objects.filter(pk=monitor.pk).update(updated_at=now)
        audit.record(
            actor=actor,
            action="monitor.baseline_approve",
            obj=monitor,
            project=monitor.project,
            details={"version": core.version, "dom_hash": core.dom_hash},
        )
    return baseline


# --- word lists ------------------------------------------------------------------


def wordlist_save(*, actor: User, project: Project, kind: str, text: str) -> WordList | None:
    """Save the organisation's copy of one list; empty text goes back to the shipped default."""
    permissions.require(actor, "project.edit", project)
    if kind not in WordList.Kind.values:
        raise ValidationError("未知的清单")
    text = parse.text(text, 200_000)
    org = project.provider
    with transaction.atomic():
        if not text:
            WordList.objects.filter(organisation=org, kind=kind).delete()
            row = None
        else:
            row, _ = WordList.objects.update_or_create(
                organisation=org, kind=kind, defaults={"text": text, "updated_at": timezone.now()}
            )
        Monitor.objects.filter(project__provider=org).update(updated_at=timezone.now())
        audit.record(
            actor=actor,
            action="monitor.wordlist_save",
            obj=row,
            project=project,
            details={"kind": kind, "lines": text.count("\n") + 1 if text else 0},
        )
    return row


# --- retention ----------------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "DENGBAO_MONITOR_RETENTION_DAYS", 30))


ROLLUP_KEEP_DAYS = {Rollup.Period.MINUTE: 14, Rollup.Period.HOUR: 400}


def results_prune(*, now: dt.datetime | None = None, chunk: int = 5000) -> int:
    """Delete raw check results older than the retention period (and old minute/hour rollups)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    deleted = 0
    while True:
        ids = list(CheckResult.objects.filter(checked_at__lt=cutoff).values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        deleted += CheckResult.objects.filter(pk__in=ids).delete()[0]
    for period, days in ROLLUP_KEEP_DAYS.items():
        Rollup.objects.filter(period=period, start__lt=now - dt.timedelta(days=days)).delete()
    return deleted
