"""Reads of the monitoring app. Dashboards read the latest state and the rollups, never raw rows."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.monitor.snapshot import take
from dengbao.core.monitor.tamper import Baseline as CoreBaseline
from dengbao.core.monitor.tamper import compare

from . import plans
from .alert_models import AlertRule, Channel, Incident
from .history_models import Rollup
from .models import AllowedHost, Monitor, MonitorStatus, PageCapture, PrivateHost, WordList

WALL_PAGE = 250


MONITOR_ROW = (
    "pk",
    "name",
    "url",
    "zone",
    "enabled",
    "status__state",
    "status__checked_at",
    "status__status_code",
    "status__response_ms",
    "status__failed",
    "status__heightened",
)


def monitor_list(*, actor: User, project: Project, state: str = "") -> QuerySet:
    """Monitors with their latest state, as rows of :data:`MONITOR_ROW` (one join, no models built).

    Ordered by name on the (project, name) index, so a page (``[offset:offset + limit]``) reads only
    its rows; the latest state is the one-row-per-monitor status table, never the history.
    """
    permissions.require(actor, "project.view", project)
    rows = Monitor.objects.filter(project=project)
    if state:
        rows = rows.filter(status__state=state)
    return rows.order_by("name", "pk").values(*MONITOR_ROW)


def monitor_get(*, actor: User, project: Project, monitor_id: int, action: str = "project.view") -> Monitor:
    permissions.require(actor, action, project)
    monitor = (
        Monitor.objects.filter(project=project, pk=monitor_id).select_related("status", "project").first()
    )
    if monitor is None:
        raise Http404("monitor not found")
    return monitor


def _uptime(monitor_ids: list[int], since: dt.datetime, period: str) -> dict[int, float | None]:
    rows = (
        Rollup.objects.filter(monitor_id__in=monitor_ids, period=period, start__gte=since)
        .values("monitor_id")
        .annotate(checks=Sum("checks"), up=Sum("up"))
    )
    return {r["monitor_id"]: (100.0 * r["up"] / r["checks"] if r["checks"] else None) for r in rows}


@dataclass
class Wall:
    page: Page  # object_list: tile dicts (see ``wall``)
    counts: dict[str, int]
    total: int
    state: str


DISABLED = "disabled"  # a stopped monitor keeps its last status row, but the wall shows it as stopped
WALL_STATES = [*MonitorStatus.State.choices, (DISABLED, _("已停用"))]

_SHOWN = Case(
    When(monitor__enabled=False, then=Value(DISABLED)), default=F("state"), output_field=CharField()
)
_RANK = Case(
    When(shown="down", then=Value(3)),
    When(shown="warn", then=Value(2)),
    When(shown="unknown", then=Value(1)),
    When(shown=DISABLED, then=Value(-1)),
    default=Value(0),
    output_field=IntegerField(),
)


def wall(*, actor: User, project: Project, page: int | str = 1, state: str = "", query: str = "") -> Wall:
    """The status wall: counts by state, then one page of monitors (problems first) with 24 h uptime.

    Reads the latest-state table joined to its monitor (for name and project), one page at a time,
    as plain values: four queries whatever the page size (counts, page count, the page, uptime).
    Each tile is a dict: monitor_id, name, state, label, status_code, response_ms, heightened,
    failed (names), uptime (24 h %, from hour rollups).
    """
    permissions.require(actor, "project.view", project)
    base = MonitorStatus.objects.filter(monitor__project=project).annotate(shown=_SHOWN)
    counts = {row["shown"]: row["n"] for row in base.values("shown").annotate(n=Count("pk"))}
    rows = base
    if state in dict(WALL_STATES):
        rows = rows.filter(shown=state)
    if query:
        rows = rows.filter(Q(monitor__name__icontains=query) | Q(monitor__url__icontains=query))
    rows = (
        rows.annotate(severity_rank=_RANK)
        .order_by("-severity_rank", "monitor__name", "monitor_id")
        .values(
            "monitor_id",
            "monitor__name",
            "shown",
            "status_code",
            "response_ms",
            "failed",
            "heightened",
        )
    )
    paginator = Paginator(rows, WALL_PAGE)
    current = paginator.get_page(page)
    labels = {value: str(label) for value, label in WALL_STATES}  # translated once
    tiles = [
        {
            "monitor_id": row["monitor_id"],
            "name": row["monitor__name"],
            "state": row["shown"],
            "label": labels.get(row["shown"], row["shown"]),
            "status_code": row["status_code"],
            "response_ms": row["response_ms"],
            "heightened": row["heightened"],
            "failed": row["failed"] or [],
        }
        for row in current.object_list
    ]
    uptime = _uptime(
        [t["monitor_id"] for t in tiles], timezone.now() - dt.timedelta(hours=24), Rollup.Period.HOUR
    )
    for tile in tiles:
        tile["uptime"] = uptime.get(tile["monitor_id"])
    current.object_list = tiles
    return Wall(current, counts, sum(counts.values()), state)


def history(*, actor: User, monitor: Monitor, days: int = 1) -> dict[str, Any]:
    """Chart series from rollups: per minute for a day, per hour up to 31 days, per day beyond."""
    permissions.require(actor, "project.view", monitor.project)
    period = Rollup.Period.MINUTE if days <= 1 else Rollup.Period.HOUR if days <= 31 else Rollup.Period.DAY
    since = timezone.now() - dt.timedelta(days=days)
    rows = list(
        Rollup.objects.filter(monitor=monitor, period=period, start__gte=since)
        .order_by("start")
        .values_list("start", "checks", "up", "response_count", "response_sum", "p95_ms")
    )
    return {
        "period": period,
        "points": [
            {
                "t": timezone.localtime(start).isoformat(timespec="minutes"),
                "up": round(100.0 * up / checks, 2) if checks else None,
                "avg": round(rsum / rcount, 1) if rcount else None,
                "p95": p95,
            }
            for start, checks, up, rcount, rsum, p95 in rows
        ],
    }


def uptime_summary(*, actor: User, monitor: Monitor) -> dict[str, float | None]:
    permissions.require(actor, "project.view", monitor.project)
    now = timezone.now()
    return {
        "24h": _uptime([monitor.pk], now - dt.timedelta(hours=24), Rollup.Period.HOUR).get(monitor.pk),
        "7d": _uptime([monitor.pk], now - dt.timedelta(days=7), Rollup.Period.HOUR).get(monitor.pk),
        "30d": _uptime([monitor.pk], now - dt.timedelta(days=30), Rollup.Period.DAY).get(monitor.pk),
    }


def incidents(*, actor: User, monitor: Monitor, limit: int = 50) -> list[Incident]:
    permissions.require(actor, "project.view", monitor.project)
    return list(monitor.incidents.select_related("rule", "ticket").prefetch_related("events")[:limit])


def incident_get(*, actor: User, project: Project, incident_id: int) -> Incident:
    permissions.require(actor, "project.view", project)
    incident = (
        Incident.objects.filter(monitor__project=project, pk=incident_id).select_related("monitor").first()
    )
    if incident is None:
        raise Http404("incident not found")
    return incident


@dataclass
class Review:
    """What the approval page shows: the approved version, the captured page, and how they differ."""

    baseline: Any  # models.Baseline | None
    capture: PageCapture | None
    old_words: list[tuple[str, str]]  # (text, "same"|"removed")
    new_words: list[tuple[str, str]]  # (text, "same"|"added")
    changes: list[dict[str, Any]]
    similarity: float | None
    changed: bool


def _word_diff(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    a, b = old.split(), new.split()
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append((" ".join(a[i1:i2]), "same"))
            right.append((" ".join(b[j1:j2]), "same"))
            continue
        if i2 > i1:
            left.append((" ".join(a[i1:i2]), "removed"))
        if j2 > j1:
            right.append((" ".join(b[j1:j2]), "added"))
    return left, right


def baseline_review(*, actor: User, monitor: Monitor) -> Review:
    permissions.require(actor, "project.view", monitor.project)
    baseline = monitor.baselines.select_related("approved_by").order_by("-version").first()
    capture = PageCapture.objects.filter(monitor=monitor).first()
    if capture is None:
        return Review(baseline, None, [], [], [], None, False)
    snapshot = take(capture.url, capture.html, plans.config_for(monitor).normalise)
    if baseline is None:
        return Review(None, capture, [], [(snapshot.text, "added")], [], None, True)
    core = CoreBaseline.from_dict(baseline.snapshot)
    report = compare(core, snapshot)
    old, new = _word_diff(core.text, snapshot.text)
    return Review(
        baseline,
        capture,
        old,
        new,
        [c.to_dict() for c in report.changes],
        report.similarity,
        report.changed,
    )


def hosts(*, actor: User, project: Project) -> QuerySet[AllowedHost]:
    permissions.require(actor, "project.view_internal", project)
    return AllowedHost.objects.filter(project=project)


def private_hosts(*, actor: User, project: Project) -> QuerySet[PrivateHost]:
    """The project's hosts approved for private addresses (set by the security administrator)."""
    permissions.require(actor, "project.view_internal", project)
    return PrivateHost.objects.filter(project=project).select_related("approved_by").order_by("zone", "host")


def host_get(*, actor: User, project: Project, host_id: int) -> AllowedHost:
    row = hosts(actor=actor, project=project).filter(pk=host_id).first()
    if row is None:
        raise Http404("host not found")
    return row


def channels(*, actor: User, project: Project) -> QuerySet[Channel]:
    permissions.require(actor, "project.edit", project)
    return Channel.objects.filter(project=project)


def channel_get(*, actor: User, project: Project, channel_id: int) -> Channel:
    row = channels(actor=actor, project=project).filter(pk=channel_id).first()
    if row is None:
        raise Http404("channel not found")
    return row


def rules(*, actor: User, project: Project) -> QuerySet[AlertRule]:
    permissions.require(actor, "project.view_internal", project)
    return AlertRule.objects.filter(project=project).prefetch_related("channels")


def rule_get(*, actor: User, project: Project, rule_id: int) -> AlertRule:
    row = rules(actor=actor, project=project).filter(pk=rule_id).first()
    if row is None:
        raise Http404("rule not found")
    return row


def wordlists(*, actor: User, project: Project) -> list[dict[str, Any]]:
    from dengbao.core.monitor.wordlists import data_text

    permissions.require(actor, "project.edit", project)
    edited = dict(WordList.objects.filter(organisation=project.provider).values_list("kind", "text"))
    return [
        {
            "kind": kind,
            "label": label,
            "edited": kind in edited,
            "text": edited.get(kind) or data_text(f"{kind}.txt"),
        }
        for kind, label in WordList.Kind.choices
    ]


def _downtime_minutes(day_rows, now: dt.datetime) -> dict[int, float]:
    """Per monitor: each day's failed share of its checks times the minutes of that day (to now)."""
    out: dict[int, float] = {}
    for monitor_id, day, checks, up in day_rows:
        if checks:
            minutes = max((min(day + dt.timedelta(days=1), now) - day).total_seconds() / 60, 0.0)
            out[monitor_id] = out.get(monitor_id, 0.0) + (checks - up) / checks * minutes
    return out


def availability_month(*, actor: User, project: Project, year: int, month: int) -> list[dict[str, Any]]:
    """Per monitor for one calendar month (Beijing time): checks, uptime %, incidents and downtime.

    The data of the monthly availability (SLA) report; uptime and downtime both from the day
    rollups (downtime is the failed share of the minutes watched), incidents counted by kind.
    """
    permissions.require(actor, "project.view", project)
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    monitors = list(Monitor.objects.filter(project=project).order_by("name", "pk"))
    sums = {
        r["monitor_id"]: r
        for r in Rollup.objects.filter(
            monitor__project=project, period=Rollup.Period.DAY, start__gte=start, start__lt=end
        )
        .values("monitor_id")
        .annotate(checks=Sum("checks"), up=Sum("up"), rcount=Sum("response_count"), rsum=Sum("response_sum"))
    }
    incident_rows = Incident.objects.filter(monitor__project=project, opened_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=start)
    )
    counts: dict[int, dict[str, int]] = {}
    for incident in incident_rows.only("monitor_id", "kind"):
        per = counts.setdefault(incident.monitor_id, {})
        per[incident.kind] = per.get(incident.kind, 0) + 1
    downtime = _downtime_minutes(
        Rollup.objects.filter(
            monitor__project=project, period=Rollup.Period.DAY, start__gte=start, start__lt=end
        ).values_list("monitor_id", "start", "checks", "up"),
        timezone.now(),
    )
    out = []
    for m in monitors:
        s = sums.get(m.pk, {})
        checks, up = s.get("checks") or 0, s.get("up") or 0
        out.append(
            {
                "monitor_id": m.pk,
                "name": m.name,
                "url": m.url,
                "checks": checks,
                "up": up,
                "uptime_percent": round(100.0 * up / checks, 3) if checks else None,
                "avg_response_ms": round(s["rsum"] / s["rcount"], 1) if s.get("rcount") else None,
                "incidents": sum(counts.get(m.pk, {}).values()),
                "incidents_by_kind": counts.get(m.pk, {}),
                # from the same day rollups as the uptime, so the two always agree
                "downtime_minutes": round(downtime.get(m.pk, 0.0), 1),
            }
        )
    return out
