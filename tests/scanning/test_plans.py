"""Scan plans pre-set from the contract's service calendar, run by the recurring job, proving occurrences.

The plans of the demo-like contract (signed 2019-11-26) start on the due dates of the next
planned scans; the run test builds a contract whose first quarterly scan falls due on the
next working day, so the real scan it runs today proves that occurrence.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dengbao.audit.models import AuditEvent
from dengbao.core import workdays
from dengbao.engagements import scan_plans as plan_services
from dengbao.engagements.service_models import ServiceOccurrence
from dengbao.scanning import authorisation_services, jobs, scan_services
from dengbao.scanning.models import Authorisation, Scan
from tests.engagements import factories as engagement

from . import factories

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BJ)


def _authorise(world, **overrides) -> Authorisation:
    values = dict(
        title="年度安全服务扫描授权书（测试）",
        signer="刘信息科",
        signed_on=dt.date(2019, 11, 26),
        valid_from=_at(dt.date(2019, 11, 26), 0),
        valid_until=_at(dt.date(2021, 1, 1), 0),
        techniques=["discovery", "vuln_scan"],
        hosts=["10.20.1.10"],
        cidrs=["10.20.2.0/24"],
    )
    values.update(overrides)
    return authorisation_services.authorisation_create(
        actor=world.members["manager"], project=world.project, **values
    )


def _occurrence(world, kind: str, sequence: int) -> ServiceOccurrence:
    return ServiceOccurrence.objects.get(contract__project=world.project, kind=kind, sequence=sequence)


def test_plans_start_on_the_next_planned_scans_of_the_demo_like_contract(world, manager):
    engagement.contract(world)
    _authorise(world)
    assert _occurrence(world, "vuln_scan", 1).due_on == dt.date(2020, 2, 24)
    now = _at(dt.date(2019, 12, 2), 10)
    quarterly, half_yearly = plan_services.scan_plans_from_engagement(
        actor=manager, project=world.project, now=now
    )

    assert (quarterly.name, quarterly.profile, quarterly.repeat_days) == ("季度漏洞扫描", "service", 91)
    assert (half_yearly.name, half_yearly.profile, half_yearly.repeat_days) == ("半年度深度扫描", "full", 182)
    assert quarterly.next_run_at == _at(dt.date(2020, 2, 24), 9)  # vuln_scan 1 is due on 2020-02-24
    assert half_yearly.next_run_at == _at(dt.date(2020, 5, 26), 9)  # deep_scan 1 on 2020-05-26
    for plan in (quarterly, half_yearly):
        plan.refresh_from_db()
        assert plan.status == Scan.Status.PLANNED and plan.is_plan and not plan.active
        assert plan.targets.split() == ["10.20.1.10", "10.20.2.0/24"]
        assert plan.ports == ""  # the authorisation allows every port the profile scans
        assert plan.started_at is None and plan.result == {} and not plan.runs.exists()
    assert {p.service_kind for p in (quarterly, half_yearly)} == {"vuln_scan", "deep_scan"}
    events = AuditEvent.objects.filter(action="scan.plan_create")
    assert events.count() == 2 and {e.actor_id for e in events} == {manager.pk}

    again = plan_services.scan_plans_from_engagement(actor=manager, project=world.project, now=now)
    assert [p.pk for p in again] == [quarterly.pk, half_yearly.pk]
    assert Scan.objects.filter(project=world.project).count() == 2
    assert AuditEvent.objects.filter(action="scan.plan_create").count() == 2


def test_a_scan_already_late_is_not_the_next_one(world, manager):
    engagement.contract(world)
    _authorise(world)
    plans = plan_services.scan_plans_from_engagement(
        actor=manager, project=world.project, now=_at(dt.date(2020, 3, 1), 10)
    )
    assert [p.next_run_at for p in plans] == [_at(dt.date(2020, 5, 26), 9)] * 2  # vuln_scan 2, deep_scan 1


def test_the_first_run_waits_for_the_authorisations_time_window(world, manager):
    engagement.contract(world)
    _authorise(world, windows="6-7 22:00-06:00")  # weekends, out of hours
    quarterly, half_yearly = plan_services.scan_plans_from_engagement(
        actor=manager, project=world.project, now=_at(dt.date(2019, 12, 2), 10)
    )
    assert quarterly.next_run_at == _at(dt.date(2020, 2, 29), 22)  # due Monday 02-24 -> Saturday night
    assert half_yearly.next_run_at == _at(dt.date(2020, 5, 30), 22)  # due Tuesday 05-26
    office = Authorisation(windows=[{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}])
    assert plan_services.first_slot(office, dt.date(2020, 2, 24)) == _at(dt.date(2020, 2, 24), 9)
    night = Authorisation(windows=[{"days": [0], "start": "20:00", "end": "10:00"}])  # Monday night
    assert plan_services.first_slot(night, dt.date(2020, 2, 25)) == _at(dt.date(2020, 2, 25), 9)
    assert plan_services.first_slot(night, dt.date(2020, 2, 24)) == _at(dt.date(2020, 2, 24), 20)


def test_refused_without_a_valid_authorisation(world, manager):
    now = _at(dt.date(2019, 12, 2), 10)
    with pytest.raises(ValidationError, match="尚未登记合同"):
        plan_services.scan_plans_from_engagement(actor=manager, project=world.project, now=now)
    engagement.contract(world)
    with pytest.raises(ValidationError, match="没有有效的授权书"):
        plan_services.scan_plans_from_engagement(actor=manager, project=world.project, now=now)
    expired = _authorise(world, valid_until=_at(dt.date(2019, 12, 1), 0))
    with pytest.raises(ValidationError, match="没有有效的授权书"):
        plan_services.scan_plans_from_engagement(actor=manager, project=world.project, now=now)
    assert expired.status(now) == "expired"
    _authorise(world, valid_until=_at(dt.date(2020, 3, 1), 0))  # valid now, expired at the deep scan
    with pytest.raises(ValidationError, match=r"半年度深度扫描.*2020-05-26 09:00.*到期"):
        plan_services.scan_plans_from_engagement(actor=manager, project=world.project, now=now)
    assert not Scan.objects.filter(project=world.project).exists()  # all or nothing


def test_refused_when_the_scope_is_too_large_for_the_scanner(world, manager):
    _contract_due_soon(world)
    factories.authorisation(world)  # 127.0.0.0/8: 16,777,214 addresses
    with pytest.raises(ValidationError, match="超过扫描器单次上限 65536 个"):
        plan_services.scan_plans_from_engagement(actor=manager, project=world.project)
    assert not Scan.objects.filter(project=world.project).exists()


def test_only_the_project_manager_sets_up_plans(world, assessor):
    engagement.contract(world)
    _authorise(world)
    with pytest.raises(PermissionDenied):
        plan_services.scan_plans_from_engagement(actor=assessor, project=world.project)


# -- the recurring job -----------------------------------------------------------------------


class BannerListener:
    """A loopback service that greets like an SSH server, so both engines identify it quickly."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.sendall(b"SSH-2.0-OpenSSH_8.9p1 demo\r\n")
                except OSError:
                    pass

    def __enter__(self) -> BannerListener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


def _contract_due_soon(world) -> dt.date:
    """A contract whose first quarterly scan falls due on the next working day (Beijing time)."""
    from dengbao.engagements import services, year_services

    today = timezone.localtime(timezone.now(), BJ).date()
    due = workdays.next_workday(today + dt.timedelta(days=1)).value
    start = due - dt.timedelta(days=90)  # the first quarter ends 90 days after the start
    contract = services.contract_create(
        actor=None,
        project=world.project,
        title="安全服务合同（测试）",
        signed_on=start,
        service_start=start,
        total=Decimal("16000"),
    )
    year_services.occurrences_generate(actor=None, contract=contract)
    assert _occurrence(world, "vuln_scan", 1).due_on == due
    return due


def _loopback_plans(world, manager, port: int):
    now = timezone.now()
    authorisation = _authorise(
        world,
        hosts=["127.0.0.1"],
        cidrs=[],
        ports=str(port),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=365),
    )
    plans = plan_services.scan_plans_from_engagement(actor=manager, project=world.project)
    return authorisation, plans


def test_the_recurring_job_runs_the_plan_and_the_scan_proves_the_occurrence(world, manager):
    due = _contract_due_soon(world)
    with BannerListener() as listener:
        _, (quarterly, half_yearly) = _loopback_plans(world, manager, listener.port)
        assert quarterly.next_run_at == _at(due, 9) and quarterly.ports == str(listener.port)

        assert scan_services.scan_execute(quarterly.pk) is None  # a plan row never runs
        assert jobs.recurring_scans(now=quarterly.next_run_at - dt.timedelta(minutes=1)) == 0
        assert jobs.recurring_scans(now=quarterly.next_run_at) == 1

    run = quarterly.runs.get()
    assert run.status == Scan.Status.DONE, run.error or run.refused_reason
    assert run.pk != quarterly.pk and run.name == "季度漏洞扫描" and run.profile == "service"
    assert [p["port"] for p in run.result["open"]] == [listener.port]
    quarterly.refresh_from_db()
    assert quarterly.status == Scan.Status.PLANNED and quarterly.result == {}
    assert quarterly.next_run_at == _at(due + dt.timedelta(days=91), 9)  # the same slot a quarter later
    assert not half_yearly.runs.exists()

    occurrence = _occurrence(world, "vuln_scan", 1)
    path = reverse("scanning:scan", kwargs={"project": world.project.slug, "scan_id": run.pk})
    assert occurrence.status == ServiceOccurrence.Status.DONE and occurrence.proof == path
    assert occurrence.done_on == timezone.localtime(run.finished_at, BJ).date()
    assert AuditEvent.objects.filter(action="service.complete", details__proof=path).count() == 1
    assert not ServiceOccurrence.objects.filter(
        contract__project=world.project, kind="deep_scan", status=ServiceOccurrence.Status.DONE
    ).exists()
    assert jobs.recurring_scans(now=quarterly.next_run_at - dt.timedelta(days=1)) == 0  # no second run


def test_a_refused_run_proves_nothing(world, manager):
    _contract_due_soon(world)
    authorisation, (quarterly, _) = _loopback_plans(world, manager, 9)
    authorisation_services.authorisation_revoke(actor=manager, authorisation=authorisation, reason="测试撤销")
    assert jobs.recurring_scans(now=quarterly.next_run_at) == 1
    run = quarterly.runs.get()
    assert run.status == Scan.Status.REFUSED and "授权" in run.refused_reason
    occurrence = _occurrence(world, "vuln_scan", 1)
    assert occurrence.status == ServiceOccurrence.Status.PLANNED and occurrence.proof == ""
    assert not AuditEvent.objects.filter(action="service.complete").exists()


def test_a_stopped_plan_runs_no_more(world, manager):
    _contract_due_soon(world)
    _, (quarterly, half_yearly) = _loopback_plans(world, manager, 9)
    stopped = scan_services.scan_cancel(actor=manager, scan=half_yearly)
    assert stopped.status == Scan.Status.CANCELLED and stopped.next_run_at is None
    assert AuditEvent.objects.filter(action="scan.plan_cancel").count() == 1
    far = timezone.now() + dt.timedelta(days=400)
    jobs.recurring_scans(now=far)
    assert not half_yearly.runs.exists() and quarterly.runs.count() == 1
    again = plan_services.scan_plans_from_engagement(actor=manager, project=world.project)
    assert quarterly.pk in [p.pk for p in again] and half_yearly.pk not in [p.pk for p in again]


# -- the scans page ----------------------------------------------------------------------------


def test_the_scans_page_button_creates_the_plans_and_lists_their_next_run(world, manager, assessor, login):
    due = _contract_due_soon(world)
    now = timezone.now()
    _authorise(
        world,
        hosts=["127.0.0.1"],
        cidrs=[],
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=365),
    )
    url = reverse("engagements:scan_plans", kwargs={"project": world.project.slug})
    scans = reverse("scanning:scans", kwargs={"project": world.project.slug})
    assert login(assessor).post(url).status_code == 403
    assert login(assessor).get(url).status_code == 403
    client = login(manager)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "扫描计划“季度漏洞扫描”：下次执行" in text
    assert Scan.objects.filter(project=world.project, status=Scan.Status.PLANNED).count() == 2
    page = client.get(scans).content.decode()
    assert 'id="plans"' in page and "季度漏洞扫描" in page and "半年度深度扫描" in page
    assert f"{due:%Y-%m-%d} 09:00" in page and "按合同服务日历生成扫描计划" in page
    assert "尚无扫描任务" in page  # plans are not listed as scans
    again = client.post(url, follow=True).content.decode()  # idempotent: the same two plans
    assert Scan.objects.filter(project=world.project).count() == 2 and "扫描计划“季度漏洞扫描”" in again
    plan = Scan.objects.get(project=world.project, service_kind="deep_scan")
    stop = reverse("scanning:scan", kwargs={"project": world.project.slug, "scan_id": plan.pk})
    detail = client.get(stop).content.decode()
    assert 'data-status="planned"' in detail and "计划中" in detail and "取消扫描" not in detail
    assert login(assessor).post(stop).status_code == 403  # only the manager stops a contract plan
    assert "已停止扫描计划" in client.post(stop, follow=True).content.decode()
    plan.refresh_from_db()
    assert plan.status == Scan.Status.CANCELLED and plan.next_run_at is None
