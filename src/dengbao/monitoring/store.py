"""Writing check outcomes: raw rows in one bulk insert, rollups merged per batch, the latest state.

Check results are data, not audited actions. One call handles a batch (the scheduler's writer
passes about a second's worth), so thousands of checks a minute cost a handful of queries.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from . import alerting
from .checks import Outcome
from .conditions import condition_rows
from .history_models import BUCKETS_MS, CheckResult, Rollup
from .models import MonitorStatus, PageCapture

MAX_CAPTURE = 1_000_000


def state_of(outcome: Outcome) -> str:
    report = outcome.report
    if not report.available:
        return MonitorStatus.State.DOWN
    return MonitorStatus.State.WARN if report.failed else MonitorStatus.State.UP


def period_starts(at: dt.datetime) -> dict[str, dt.datetime]:
    minute = at.replace(second=0, microsecond=0)
    local = timezone.localtime(at)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        Rollup.Period.MINUTE: minute,
        Rollup.Period.HOUR: minute.replace(minute=0),
        Rollup.Period.DAY: day,
    }


def p95(histogram: Sequence[int]) -> float | None:
    total = sum(histogram)
    if not total:
        return None
    rank, seen = 0.95 * total, 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return float(BUCKETS_MS[index]) if index < len(BUCKETS_MS) else float(BUCKETS_MS[-1]) * 2
    return None


def _merge(row: Rollup, outcome: Outcome) -> None:
    report = outcome.report
    row.checks += 1
    row.up += int(report.available)
    row.ok += int(not report.failed)
    if len(row.histogram) != len(BUCKETS_MS) + 1:
        row.histogram = [0] * (len(BUCKETS_MS) + 1)
    if report.response_ms is not None:
        row.response_count += 1
        row.response_sum += report.response_ms
        row.response_max = max(row.response_max, report.response_ms)
        row.histogram[bisect.bisect_left(BUCKETS_MS, report.response_ms)] += 1
        row.p95_ms = p95(row.histogram)


def _rollups(outcomes: Sequence[Outcome]) -> None:
    wanted: dict[tuple[int, str, dt.datetime], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        for period, start in period_starts(outcome.report.checked_at).items():
            wanted[(outcome.monitor_id, period, start)].append(outcome)
    monitor_ids = {k[0] for k in wanted}
    starts = {k[2] for k in wanted}
    existing = {
        (r.monitor_id, r.period, r.start): r
        for r in Rollup.objects.select_for_update().filter(monitor_id__in=monitor_ids, start__in=starts)
    }
    rows = []
    for key, items in wanted.items():
        row = existing.get(key) or Rollup(
            monitor_id=key[0], period=key[1], start=key[2], histogram=[0] * (len(BUCKETS_MS) + 1)
        )
        for outcome in items:
            _merge(row, outcome)
        rows.append(row)
    Rollup.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["monitor", "period", "start"],
        update_fields=[
            "checks",
            "up",
            "ok",
            "response_count",
            "response_sum",
            "response_max",
            "p95_ms",
            "histogram",
        ],
    )


def _statuses(outcomes: Sequence[Outcome]) -> None:
    latest: dict[int, Outcome] = {}
    for outcome in outcomes:
        current = latest.get(outcome.monitor_id)
        if current is None or outcome.report.checked_at >= current.report.checked_at:
            latest[outcome.monitor_id] = outcome
    previous = dict(
        MonitorStatus.objects.filter(monitor_id__in=list(latest)).values_list("monitor_id", "dom_hash")
    )
    rows, captures = [], []
    for monitor_id, outcome in latest.items():
        report = outcome.report
        snapshot = report.snapshot
        dom_hash = snapshot.dom_hash if snapshot else ""
        rows.append(
            MonitorStatus(
                monitor_id=monitor_id,
                state=state_of(outcome),
                checked_at=report.checked_at,
                status_code=report.status_code,
                response_ms=report.response_ms,
                failed=[c.name for c in report.failed],
                conditions=condition_rows(report.conditions, only_failed=False),
                heightened=outcome.heightened,
                dom_hash=dom_hash,
            )
        )
        differs = report.tamper is None or report.tamper.changed
        if snapshot and differs and (previous.get(monitor_id) != dom_hash or monitor_id not in previous):
            captures.append(
                PageCapture(
                    monitor_id=monitor_id,
                    url=report.final_url,
                    html=report.fetches[0].text[:MAX_CAPTURE],
                    dom_hash=dom_hash,
                    fetched_at=report.checked_at,
                )
            )
    fields = [
        "state",
        "checked_at",
        "status_code",
        "response_ms",
        "failed",
        "conditions",
        "heightened",
        "dom_hash",
    ]
    MonitorStatus.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["monitor"], update_fields=fields
    )
    if captures:
        PageCapture.objects.bulk_create(
            captures,
            update_conflicts=True,
            unique_fields=["monitor"],
            update_fields=["url", "html", "dom_hash", "fetched_at"],
        )


def record_outcomes(outcomes: Sequence[Outcome]) -> list[int]:
    """Store a batch; returns the ids of incident events whose message is to be delivered."""
    if not outcomes:
        return []
    with transaction.atomic():
        CheckResult.objects.bulk_create(
            [
                CheckResult(
                    monitor_id=o.monitor_id,
                    checked_at=o.report.checked_at,
                    available=o.report.available,
                    ok=not o.report.failed,
                    status_code=o.report.status_code,
                    response_ms=o.report.response_ms,
                    severity=str(o.report.severity) if o.report.failed else "",
                    failed=condition_rows(o.report.failed, only_failed=True),
                    heightened=o.heightened,
                    lag_ms=o.lag_ms,
                )
                for o in outcomes
            ]
        )
        _rollups(outcomes)
        _statuses(outcomes)
        return alerting.evaluate(outcomes)
