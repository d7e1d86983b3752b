"""The demo's authorisation and findings, and the two CLI commands against the demo project."""

from __future__ import annotations

import json
import socket
from contextlib import ExitStack

import pytest
from click.testing import CliRunner

from dengbao import demo
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from dengbao.scanning.finding_models import Finding, State

from .conftest import SAMPLES, rewrite

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_project(demo_db, monkeypatch):
    monkeypatch.setenv("DENGBAO_USER", "assessor")
    return demo_db


def test_demo_has_a_loopback_authorisation_and_findings(demo_project):
    auth = demo_project.authorisations.get()
    assert "127.0.0.0/8" in auth.cidrs and auth.status() == "valid"
    assert Finding.objects.filter(project=demo_project).count() == 16
    assert Finding.objects.get(project=demo_project, rule_id="97833").state == State.CONFIRMED
    assert demo.load().created == []  # idempotent


def test_import_scan_json_counts(demo_project, tmp_path):
    runner = CliRunner()
    sample = SAMPLES / "nessus_hospital.nessus"
    result = runner.invoke(
        main, ["import-scan", "--project", "demo", "--format", "nessus", str(sample), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "hosts": 4,
        "services": {"new": 0, "unchanged": 0, "closed": 0},
        "findings": {"created": 0, "updated": 16, "closed": 0, "reopened": 0, "duplicates": 1},
        "warnings": [],
    }
    later = rewrite(sample, tmp_path / "q2.nessus", drop=('<ReportItem port="445"', "</ReportItem>"))
    result = runner.invoke(
        main, ["import-scan", "--project", "demo", "--format", "nessus", str(later), "--json"]
    )
    assert json.loads(result.output)["findings"]["closed"] == 1
    result = runner.invoke(
        main, ["import-scan", "--project", "demo", "--format", "openvas", str(later), "--json"]
    )
    assert result.exit_code == 2 and "q2.nessus" in result.output


def test_import_scan_refuses_a_client(demo_project, monkeypatch):
    monkeypatch.setenv("DENGBAO_USER", "hospital")
    result = CliRunner().invoke(main, ["import-scan", "--project", "demo", str(SAMPLES / "zap_portal.xml")])
    assert result.exit_code != 0
    assert Finding.objects.filter(project=demo_project, tool="zap").count() == 0


def test_scan_run_on_loopback_and_refusal_outside_the_authorisation(demo_project):
    runner = CliRunner()
    with ExitStack() as stack:
        ports = []
        for _ in range(2):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            sock.listen(4)
            ports.append(sock.getsockname()[1])
        spec = ",".join(map(str, ports))
        args = ["scan", "run", "--project", "demo", "--targets", "127.0.0.1", "--ports", spec]
        result = runner.invoke(main, [*args, "--engine", "builtin", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["engine"] == "builtin"
    assert sorted(p["port"] for p in data["open"]) == sorted(ports)
    assert all(p["host"] == "127.0.0.1" and p["protocol"] == "tcp" and "service" in p for p in data["open"])
    refused = runner.invoke(
        main, ["scan", "run", "--project", "demo", "--targets", "192.0.2.7", "--ports", "22"]
    )
    assert refused.exit_code == 2 and "192.0.2.7" in refused.output
    assert AuditEvent.objects.filter(action="scan.refused", outcome="refused").count() == 1
