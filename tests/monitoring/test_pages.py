"""The status wall, the API list, the monitor page, the monthly availability and who may do what."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from dengbao.monitoring import runner, selectors
from dengbao.monitoring.models import CheckResult, Monitor
from dengbao.monitoring.runner import MonitorLoop
from tests.conftest import verified_client
from tests.monitoring import factories

OK = "<html><head><title>医院</title></head><body><p>就医指南</p></body></html>"


@pytest.fixture
def three(world_a, site):
    site.page("/ok", OK)
    site.page("/down", "error", status=500)
    up = factories.monitor(world_a, site.url("/ok"), name="门户 正常")
    down = factories.monitor(world_a, site.url("/down"), name="门户 故障")
    never = factories.monitor(world_a, site.url("/ok"), name="门户 未检查")
    runner.run_batch([up.pk, down.pk])
    return up, down, never


def test_the_status_wall_shows_each_state_problems_first(world_a, three):
    client = verified_client(world_a.members["client"])
    page = client.get(f"/projects/{world_a.project.slug}/monitoring/").content.decode()
    assert page.index("门户 故障") < page.index("门户 未检查") < page.index("门户 正常")
    assert 'data-state="down"' in page and 'data-state="up"' in page and 'data-state="unknown"' in page
    assert "24h 100.00%" in page and "24h 0.00%" in page
    down_only = client.get(f"/projects/{world_a.project.slug}/monitoring/?state=down").content.decode()
    assert "门户 故障" in down_only and "门户 正常" not in down_only


def test_a_stopped_monitor_shows_as_stopped_and_last(world_a, three):
    _, down, _ = three
    Monitor.objects.filter(pk=down.pk).update(enabled=False)  # its last status row still says down
    client = verified_client(world_a.members["client"])
    page = client.get(f"/projects/{world_a.project.slug}/monitoring/").content.decode()
    assert 'data-state="down"' not in page and 'data-state="disabled"' in page
    assert page.index("门户 未检查") < page.index("门户 正常") < page.index("门户 故障")
    assert 'id="count-disabled">已停用 1<' in page and 'id="count-down">不可用 0<' in page
    stopped = client.get(f"/projects/{world_a.project.slug}/monitoring/?state=disabled").content.decode()
    assert "门户 故障" in stopped and "门户 正常" not in stopped


def test_the_api_lists_monitors_with_their_latest_state(world_a, three):
    client = verified_client(world_a.members["reviewer"])
    data = client.get(f"/api/projects/{world_a.project.slug}/monitors").json()
    assert data["count"] == 3
    states = {item["name"]: item for item in data["items"]}
    assert states["门户 正常"]["state"] == "up" and states["门户 正常"]["status_code"] == 200
    assert states["门户 故障"]["state"] == "down" and "http.status" in states["门户 故障"]["failed"]
    assert states["门户 未检查"]["state"] == "unknown" and states["门户 未检查"]["checked_at"] is None
    page = client.get(f"/api/projects/{world_a.project.slug}/monitors?limit=1&offset=1&state=").json()
    assert page["count"] == 3 and len(page["items"]) == 1


def test_the_monitor_page_shows_conditions_uptime_and_the_chart_data(world_a, three):
    up, down, _ = three
    client = verified_client(world_a.members["client"])
    page = client.get(f"/projects/{world_a.project.slug}/monitoring/{down.pk}/").content.decode()
    assert "HTTP 状态码 500" in page
    assert '<td title="http.status">HTTP 状态码</td>' in page  # the check's name in words, its id on hover
    assert 'id="monitor-chart-data"' in page and "echarts-5.6.0.min.js" in page
    assert "0.00%" in page
    assert "立即检查" not in page  # the client contact does not run checks
    assert client.post(f"/projects/{world_a.project.slug}/monitoring/{down.pk}/check/").status_code == 403
    assessor = verified_client(world_a.members["assessor"])
    assert assessor.post(f"/projects/{world_a.project.slug}/monitoring/{up.pk}/check/").status_code == 302
    assert CheckResult.objects.filter(monitor=up).count() == 2


def test_monthly_availability_counts_checks_uptime_and_incidents(world_a, three):
    today = timezone.localdate()
    rows = selectors.availability_month(
        actor=world_a.members["client"], project=world_a.project, year=today.year, month=today.month
    )
    by_name = {r["name"]: r for r in rows}
    assert by_name["门户 正常"]["uptime_percent"] == 100.0 and by_name["门户 正常"]["checks"] == 1
    assert by_name["门户 故障"]["uptime_percent"] == 0.0
    assert by_name["门户 未检查"]["uptime_percent"] is None and by_name["门户 未检查"]["incidents"] == 0
    last_year = selectors.availability_month(
        actor=world_a.members["client"], project=world_a.project, year=today.year - 1, month=today.month
    )
    assert all(r["checks"] == 0 for r in last_year)


def test_only_the_manager_configures_monitoring(world_a, site):
    slug = world_a.project.slug
    factories.allowed_host(world_a)
    data = {"name": "新站", "url": site.url("/"), "zone": "intranet", "interval_seconds": "60"}
    for role in ("assessor", "reviewer", "client"):
        client = verified_client(world_a.members[role])
        assert client.post(f"/projects/{slug}/monitoring/new/", data).status_code == 403, role
        assert client.post(f"/projects/{slug}/monitoring/hosts/", {"host": "x.example"}).status_code == 403
    assert not Monitor.objects.filter(name="新站").exists()
    manager = verified_client(world_a.members["manager"])
    response = manager.post(f"/projects/{slug}/monitoring/new/", data)
    assert response.status_code == 302
    assert Monitor.objects.get(name="新站").zone == "intranet"
    refused = manager.post(f"/projects/{slug}/monitoring/new/", {**data, "url": "http://elsewhere.example/"})
    assert refused.status_code == 200 and "不在本项目允许监测的主机清单中" in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_loop_runs_due_checks_and_stores_them(site):
    from tests.conftest import make_project

    world = make_project("loop")
    site.page("/", OK)
    monitors = [
        factories.monitor(world, site.url("/"), name=f"站点 {i}", interval_seconds="10") for i in range(3)
    ]
    loop = MonitorLoop(concurrency=10, refresh_seconds=1, batch_seconds=0.2, keep_lags=True)
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and loop.stats.stored < 3:  # no DB reads while it writes
            time.sleep(0.2)
    finally:
        loop.stop()
        loop.join(30)
    assert {r.monitor_id for r in CheckResult.objects.filter(monitor__in=monitors)} == {
        m.pk for m in monitors
    }
    assert loop.stats.stored >= 3 and loop.stats.write_errors == 0
    assert all(lag >= 0 for lag in loop.stats.lags_ms)
    assert dt.timedelta(0) <= timezone.now() - CheckResult.objects.latest("checked_at").checked_at
