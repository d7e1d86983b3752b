"""Scan jobs on loopback listeners this test starts: authorised, refused with reasons, results stored."""

from __future__ import annotations

import datetime as dt
import socket
from contextlib import ExitStack

import pytest
from django.utils import timezone

from dengbao.audit.models import AuditEvent
from dengbao.scanning import scan_services
from dengbao.scanning.inventory_models import Service
from dengbao.scanning.models import Import, Scan

from . import factories

pytestmark = pytest.mark.django_db


def _listeners(stack: ExitStack, count: int) -> list[int]:
    ports = []
    for _ in range(count):
        sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        ports.append(sock.getsockname()[1])
    return ports


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scan(world, assessor, ports: str, **kw):
    return scan_services.scan_create(
        actor=assessor, project=world.project, targets="127.0.0.1", ports=ports, profile="quick", **kw
    )


def test_builtin_scan_finds_the_listeners_and_feeds_the_inventory(world, assessor):
    factories.authorisation(world)
    with ExitStack() as stack:
        open_ports = _listeners(stack, 3)
        closed = _closed_port()
        spec = ",".join(str(p) for p in [*open_ports, closed])
        scan = _scan(world, assessor, spec, engine="builtin")
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error or scan.refused_reason
    assert scan.engine_used == "builtin"
    assert sorted(p["port"] for p in scan.result["open"]) == sorted(open_ports)
    rows = Service.objects.filter(asset__project=world.project, asset__host="127.0.0.1", state="open")
    assert sorted(rows.values_list("port", flat=True)) == sorted(open_ports)
    assert Import.objects.get(scan=scan).fmt == "builtin"


def test_second_scan_marks_a_port_that_closed(world, assessor):
    factories.authorisation(world)
    with ExitStack() as stack:
        first = _listeners(stack, 2)
        spec = ",".join(map(str, first))
        _scan(world, assessor, spec, engine="builtin")
        stack.close()
        second = _scan(world, assessor, spec, engine="builtin")
    second.refresh_from_db()
    assert second.status == Scan.Status.DONE and second.result["open"] == []
    closed = Service.objects.filter(asset__project=world.project, port__in=first)
    assert {(s.state, s.change) for s in closed} == {("closed", Service.Change.CLOSED)}


def test_nmap_and_builtin_agree_on_open_ports(world, assessor):
    factories.authorisation(world)
    with ExitStack() as stack:
        open_ports = _listeners(stack, 3)
        spec = ",".join(str(p) for p in [*open_ports, _closed_port()])
        builtin = _scan(world, assessor, spec, engine="builtin")
        nmap = _scan(world, assessor, spec, engine="nmap")
    builtin.refresh_from_db()
    nmap.refresh_from_db()
    assert nmap.engine_used == "nmap" and builtin.engine_used == "builtin"
    found = {s.pk: sorted(p["port"] for p in s.result["open"]) for s in (builtin, nmap)}
    assert found[builtin.pk] == found[nmap.pk] == sorted(open_ports)


def _window_not_now() -> str:
    """A one-day window on the day after tomorrow (Beijing time): never open while the test runs."""
    from zoneinfo import ZoneInfo

    day = (dt.datetime.now(ZoneInfo("Asia/Shanghai")).weekday() + 2) % 7 + 1
    return f"{day}-{day} 00:00-23:59"


@pytest.mark.parametrize(
    ("overrides", "targets", "profile", "code"),
    [
        ({}, "192.0.2.10", "quick", "target"),  # outside the CIDRs
        ({"ports": "80,443"}, "127.0.0.1", "quick", "port"),
        ({"techniques": ["discovery"]}, "127.0.0.1", "service", "technique"),
        ({"windows": "window"}, "127.0.0.1", "quick", "time"),
        ({"valid_until": "past"}, "127.0.0.1", "quick", "expired"),
        ({"valid_from": "future"}, "127.0.0.1", "quick", "not_yet_valid"),
    ],
)
def test_refusals_are_recorded_with_reasons_and_audited(world, assessor, overrides, targets, profile, code):
    now = timezone.now()
    if overrides.get("windows") == "window":
        overrides["windows"] = _window_not_now()
    if overrides.get("valid_until") == "past":
        overrides.update(valid_from=now - dt.timedelta(days=30), valid_until=now - dt.timedelta(days=1))
    if overrides.get("valid_from") == "future":
        overrides.update(valid_from=now + dt.timedelta(days=1), valid_until=now + dt.timedelta(days=30))
    factories.authorisation(world, **overrides)
    scan = scan_services.scan_create(
        actor=assessor, project=world.project, targets=targets, ports="22", profile=profile, engine="builtin"
    )
    assert scan.status == Scan.Status.REFUSED and scan.refused_reason
    event = AuditEvent.objects.get(action="scan.refused")
    assert event.outcome == "refused" and event.details["targets"] == [targets]
    assert code in {r["code"] for r in event.details["refusals"]}
    assert not Import.objects.exists() and not Service.objects.exists()


def test_revoked_authorisation_refuses(world, assessor, manager):
    from dengbao.scanning.authorisation_services import authorisation_revoke

    auth = factories.authorisation(world)
    authorisation_revoke(actor=manager, authorisation=auth, reason="合同终止")
    scan = _scan(world, assessor, "22", engine="builtin")
    assert scan.status == Scan.Status.REFUSED and "撤销" in scan.refused_reason


def test_no_authorisation_refuses(world, assessor):
    scan = _scan(world, assessor, "22", engine="builtin")
    assert scan.status == Scan.Status.REFUSED and "授权书" in scan.refused_reason


def test_client_cannot_start_a_scan(world, client_user):
    from django.core.exceptions import PermissionDenied

    factories.authorisation(world)
    with pytest.raises(PermissionDenied):
        _scan(world, client_user, "22")
    assert not Scan.objects.exists()


def test_with_several_authorisations_the_reason_is_the_covering_ones(world, assessor, manager):
    """A revoked letter for 10.20.1.0/24 and a valid one for 127.0.0.0/8 only (issue 16, item 6)."""
    from dengbao.scanning.authorisation_services import authorisation_revoke

    later = timezone.now() + dt.timedelta(days=200)  # listed first: the old order preferred it on a tie
    revoked = factories.authorisation(world, cidrs=["10.20.1.0/24"], title="旧授权书", valid_until=later)
    authorisation_revoke(actor=manager, authorisation=revoked, reason="合同终止")
    factories.authorisation(world, cidrs=["127.0.0.0/8"], ports="1-1000", title="新授权书")
    check = scan_services.scan_check
    # 10.20.1.5 is named only by the revoked letter: its reason is the one to give
    verdict = check(project=world.project, targets=["10.20.1.5"], ports="22", profile="quick")
    assert [r.code for r in verdict.refusals] == ["revoked"] and "撤销" in verdict.reason
    # 192.0.2.7 is named by neither: "not in scope", not the revoked letter's status
    verdict = check(project=world.project, targets=["192.0.2.7"], ports="8080", profile="quick")
    assert {r.code for r in verdict.refusals} == {"target"} and "不在授权范围内" in verdict.reason
    assert "撤销" not in verdict.reason and verdict.authorisation is None
    assert check(project=world.project, targets=["127.0.0.1"], ports="22", profile="quick").allowed
