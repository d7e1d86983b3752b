"""The scheduler's spreading of checks, the deferred first analysis, and the monitor process's entry point."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from dengbao.monitoring import process, store
from dengbao.monitoring.checks import PENDING, AnalysisBudget, check_outcome
from dengbao.monitoring.models import CheckResult, Incident, MonitorStatus
from dengbao.monitoring.plans import build_plans
from dengbao.monitoring.runner import _monitors, first_due
from tests.monitoring import factories

DEFACED = (
    "<html><head><title>Hacked by Team X</title></head>"
    "<body><h1>Hacked by Team X</h1><p>被黑了 <a href='http://www.xpj-bocai.example/' "
    "style='font-size:0'>澳门新葡京</a></p></body></html>"
)


def test_monitors_are_spread_over_their_interval_and_keep_their_phase_across_restarts():
    now = 1_800_000_000.0
    dues = [first_due(monitor_id, 60.0, now) for monitor_id in range(1, 5001)]
    assert all(now <= due < now + 60 for due in dues)
    per_second = [0] * 60
    for due in dues:
        per_second[int(due - now)] += 1
    assert max(per_second) < 3 * 5000 / 60  # no second gets a herd: about 83 each
    later = now + 1234.5  # a restart: each monitor is due at the same phase of its interval
    for monitor_id, due in zip(range(1, 5001), dues, strict=True):
        again = first_due(monitor_id, 60.0, later)
        assert later <= again < later + 60
        assert round((again - due) % 60, 6) in (0.0, 60.0)


def test_a_deferred_first_analysis_checks_availability_and_judges_content_at_the_next_check(world_a, site):
    site.page("/", DEFACED)
    monitor = factories.monitor(world_a, site.url("/"), heightened_on_holidays=False)
    plan = build_plans(_monitors([monitor.pk]))[monitor.pk]
    spent = AnalysisBudget(per_second=0.001, burst=0)  # no first analysis may start now

    deferred = asyncio.run(check_outcome(plan, budget=spent))
    assert deferred.partial and spent.deferred == 1
    names = [c.name for c in deferred.report.conditions]
    assert PENDING in names and not [n for n in names if n.startswith(("tamper", "darklinks", "content"))]
    assert deferred.report.available is True and deferred.report.snapshot is None
    store.record_outcomes([deferred])
    assert MonitorStatus.objects.get(monitor=monitor).state == "up"
    assert not Incident.objects.filter(monitor=monitor).exists()  # content not judged: no verdict either way

    judged = asyncio.run(check_outcome(plan, budget=AnalysisBudget(per_second=10)))
    assert not judged.partial
    store.record_outcomes([judged])
    status = MonitorStatus.objects.get(monitor=monitor)
    assert status.state == "warn" and {"tamper.phrases", "darklinks"} <= set(status.failed)
    assert Incident.objects.get(monitor=monitor).kind == Incident.Kind.CHANGED
    assert CheckResult.objects.filter(monitor=monitor).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_monitor_process_entry_point_runs_checks_until_told_to_stop(site):
    from tests.conftest import make_project

    world = make_project("proc")
    site.page("/", "<html><body><p>江城市第一医院</p></body></html>")
    monitors = [
        factories.monitor(world, site.url("/"), name=f"站点 {i}", interval_seconds="10") for i in range(3)
    ]
    stop = threading.Event()
    worker = threading.Thread(target=process.serve, kwargs={"zones": ["intranet"], "stop": stop})
    worker.start()
    try:
        deadline = time.monotonic() + 90
        # watch the site, not the DB, while the writer writes: once every monitor has been fetched a
        # second time (10 s later), every first check has long finished and been handed to the writer
        while time.monotonic() < deadline and len(site.seen) < 6:
            time.sleep(0.2)
    finally:
        stop.set()
        worker.join(90)
    assert not worker.is_alive()  # stopped when told; the checks made were written before returning
    assert {r.monitor_id for r in CheckResult.objects.filter(monitor__in=monitors)} == {
        m.pk for m in monitors
    }
    assert all(s.state == "up" for s in MonitorStatus.objects.filter(monitor__in=monitors))
