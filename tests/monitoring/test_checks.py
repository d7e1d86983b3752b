"""Checks through the app: raw rows, rollups, the latest state, incidents, retention, SSRF on save."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dengbao.monitoring import runner, services
from dengbao.monitoring.models import (
    AlertRule,
    CheckResult,
    Incident,
    MonitorStatus,
    Rollup,
)
from tests.monitor.servers import Reply
from tests.monitoring import factories

PAGE = "<html><head><title>江城市第一医院</title></head><body><h1>门诊指南</h1><p>挂号 8:00</p></body></html>"


def test_a_check_stores_raw_rows_rollups_and_the_latest_state(world_a, site):
    site.page("/", PAGE)
    monitor = factories.monitor(world_a, site.url("/"), keywords_present="门诊指南")
    runner.run_batch([monitor.pk])
    runner.run_batch([monitor.pk])
    rows = CheckResult.objects.filter(monitor=monitor)
    assert rows.count() == 2
    assert all(r.available and r.status_code == 200 and r.response_ms > 0 for r in rows)
    for period in ("m", "h", "d"):
        total = sum(Rollup.objects.filter(monitor=monitor, period=period).values_list("checks", flat=True))
        assert total == 2, period
    day = Rollup.objects.get(monitor=monitor, period="d")
    assert day.up == 2 and day.response_count == 2 and day.p95_ms is not None
    assert timezone.localtime(day.start).hour == 0  # a Beijing-time day
    status = MonitorStatus.objects.get(monitor=monitor)
    assert status.state == "up" and status.status_code == 200
    names = {c["name"] for c in status.conditions}
    assert {"http.reachable", "http.status", "http.keywords", "darklinks"} <= names


def test_down_then_up_opens_and_closes_an_incident(world_a, site):
    replies = [Reply(503, "维护中"), Reply(503, "维护中"), Reply(200, PAGE), Reply(200, PAGE)]
    site.page("/", lambda _r: replies.pop(0) if len(replies) > 1 else replies[0])
    monitor = factories.monitor(world_a, site.url("/"))
    AlertRule.objects.filter(project=world_a.project, watch="availability").update(
        failure_threshold=2, recovery_threshold=2
    )
    runner.run_batch([monitor.pk])
    assert not Incident.objects.filter(monitor=monitor).exists()  # one failure is below the threshold
    runner.run_batch([monitor.pk])
    incident = Incident.objects.get(monitor=monitor)
    assert incident.kind == "down" and incident.open
    assert "http.status" in incident.summary
    assert MonitorStatus.objects.get(monitor=monitor).state == "down"
    runner.run_batch([monitor.pk])
    incident.refresh_from_db()
    assert incident.open  # one success is below the recovery threshold
    runner.run_batch([monitor.pk])
    incident.refresh_from_db()
    assert not incident.open and incident.closed_at >= incident.opened_at
    assert [e.kind for e in incident.events.all()] == ["firing", "resolved"]


def test_slow_response_fails_only_the_response_time_condition(world_a, site):
    site.page("/", PAGE, delay=0.3)
    monitor = factories.monitor(world_a, site.url("/"), max_response_ms="100")
    (outcome,) = runner.run_batch([monitor.pk])
    assert outcome.report.available
    assert [c.name for c in outcome.report.failed] == ["http.response_time"]
    assert MonitorStatus.objects.get(monitor=monitor).state == "warn"


def test_a_monitor_for_a_host_the_project_does_not_list_is_refused_on_save(world_a):
    factories.allowed_host(world_a, "www.hospital.example")
    with pytest.raises(ValidationError, match="不在本项目允许监测的主机清单中"):
        services.monitor_create(
            actor=world_a.members["manager"],
            project=world_a.project,
            data={"name": "外站", "url": "http://evil.example/"},
        )
    factories.allowed_host(world_a, "10.1.2.3")
    with pytest.raises(ValidationError, match="不允许访问"):  # a private address from the public zone
        services.monitor_create(
            actor=world_a.members["manager"],
            project=world_a.project,
            data={"name": "内网", "url": "http://10.1.2.3/", "zone": "public"},
        )
    ok = services.monitor_create(
        actor=world_a.members["manager"],
        project=world_a.project,
        data={"name": "门户", "url": "https://www.hospital.example/", "zone": "public"},
    )
    assert ok.pk and ok.zone == "public"


def test_a_redirect_off_the_allowed_hosts_is_refused_at_check_time(world_a, site):
    site.page("/", "", status=302, headers={"Location": "http://localhost:1/"})
    monitor = factories.monitor(world_a, site.url("/"))
    (outcome,) = runner.run_batch([monitor.pk])
    assert not outcome.report.available
    assert "target.allowed" in [c.name for c in outcome.report.failed]


def test_retention_deletes_raw_rows_older_than_the_period(world_a, site, settings):
    site.page("/", PAGE)
    monitor = factories.monitor(world_a, site.url("/"))
    runner.run_batch([monitor.pk])
    old = timezone.now() - dt.timedelta(days=31)
    CheckResult.objects.create(monitor=monitor, checked_at=old, available=True, ok=True)
    CheckResult.objects.create(
        monitor=monitor, checked_at=old + dt.timedelta(days=2), available=True, ok=True
    )
    assert services.results_prune() == 1
    assert CheckResult.objects.filter(monitor=monitor).count() == 2
    settings.DENGBAO_MONITOR_RETENTION_DAYS = 7
    assert services.results_prune() == 1
    assert CheckResult.objects.filter(monitor=monitor).count() == 1
