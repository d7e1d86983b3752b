"""The scanning API: imports answer what they stored, findings page and filter, the lifecycle holds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dengbao.scanning.finding_models import Finding, FindingEvent, State
from dengbao.scanning.models import Import, Scan
from tests.scanning import factories
from tests.scanning.conftest import SAMPLES

BASE = "/api/projects/proj-a"

BAD_CSV = (
    b"Title,Severity,Host,Port\n"
    b"Outdated jQuery,Medium,10.20.1.10,443\n"
    b"SNMP public community,Catastrophic,10.20.1.20,161\n"
)


def _upload(client, name, content, **fields):
    return client.post(f"{BASE}/scan-imports", {"file": SimpleUploadedFile(name, content), **fields})


@pytest.fixture
def imported(world_a, as_role):
    """The hospital's Nessus report, imported through the API by the assessor."""
    answer = _upload(
        as_role("assessor"), "hospital.nessus", (SAMPLES / "nessus_hospital.nessus").read_bytes()
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_an_import_answers_the_counts_it_stored(world_a, imported):
    stored = Finding.objects.filter(project=world_a.project)
    imp = Import.objects.get()
    assert (
        imported["id"] == imp.pk and imported["fmt"] == "nessus" and imported["filename"] == "hospital.nessus"
    )
    assert imported["created"] == stored.count() == 16
    assert (imported["findings"], imported["duplicates"], imported["updated"], imported["closed"]) == (
        17,
        1,
        0,
        0,
    )
    assert imported["sha256"] == imp.sha256 and len(imp.sha256) == 64
    assert (
        imported["hosts"] == imp.hosts and imported["created_by"] == world_a.members["assessor"].display_name
    )


def test_a_bad_scan_file_is_400_with_its_line_and_stores_nothing(world_a, as_role):
    answer = _upload(as_role("assessor"), "export.csv", BAD_CSV, format="csv")
    assert answer.status_code == 400
    body = answer.json()
    assert body["line"] == 3
    assert body["detail"].startswith("export.csv") and "第 3 行" in body["detail"]
    assert body["where"] and body["where"] in body["detail"]
    assert not Finding.objects.exists() and not Import.objects.exists()


def test_an_import_without_a_file_or_in_an_unknown_format_is_400(as_role):
    client = as_role("assessor")
    missing = client.post(f"{BASE}/scan-imports", {"format": "nessus"})
    assert missing.status_code == 400 and "file" in missing.json()["detail"]
    unknown = _upload(client, "x.txt", b"hello", format="sarif")
    assert unknown.status_code == 400 and "未知的格式" in unknown.json()["detail"]
    assert not Import.objects.exists()


def test_an_oversize_import_is_refused(as_role, settings):
    settings.DENGBAO_MAX_UPLOAD_BYTES = 1024
    answer = _upload(as_role("assessor"), "big.csv", b"Title,Severity,Host\n" + b"x,High,10.0.0.1\n" * 200)
    assert answer.status_code == 413 and "过大" in answer.json()["detail"]
    assert not Import.objects.exists()


def test_the_client_contact_cannot_import(as_role):
    answer = _upload(as_role("client"), "hospital.nessus", (SAMPLES / "nessus_hospital.nessus").read_bytes())
    assert answer.status_code == 403
    assert not Import.objects.exists()


def test_findings_filter_and_paginate(world_a, imported, as_role):
    client = as_role("client")
    every = Finding.objects.filter(project=world_a.project)
    first = client.get(f"{BASE}/findings", {"limit": 5}).json()
    second = client.get(f"{BASE}/findings", {"limit": 5, "offset": 5}).json()
    assert first["count"] == second["count"] == every.count() == 16
    assert len(first["items"]) == len(second["items"]) == 5
    assert not {f["id"] for f in first["items"]} & {f["id"] for f in second["items"]}
    critical = client.get(f"{BASE}/findings", {"severity": "严重", "limit": 100}).json()
    assert critical["count"] == every.filter(severity="严重").count() > 0
    assert {f["severity"] for f in critical["items"]} == {"严重"}
    host = client.get(f"{BASE}/findings", {"host": "10.20.1.20"}).json()
    assert host["count"] == every.filter(host__icontains="10.20.1.20").count() > 0
    assert client.get(f"{BASE}/findings", {"state": "confirmed"}).json()["count"] == 0
    assert client.get(f"{BASE}/findings", {"state": "active"}).json()["count"] == 16


def test_a_finding_with_its_history_and_a_transition(world_a, as_role):
    finding = factories.finding(world_a)
    assessor = as_role("assessor")
    detail = assessor.get(f"{BASE}/findings/{finding.pk}").json()
    assert (detail["title"], detail["severity"], detail["state"], detail["port"]) == (
        "弱口令（测试）",
        "高",
        "open",
        22,
    )
    allowed = assessor.get(f"{BASE}/findings/{finding.pk}/transitions").json()
    assert allowed["state"] == "open"
    assert {a["to"] for a in allowed["allowed"]} == {
        "confirmed",
        "false_positive",
        "risk_accepted",
        "fixed_pending",
    }

    url = f"{BASE}/findings/{finding.pk}/transitions"
    moved = assessor.post(
        url, json.dumps({"to": "confirmed", "note": "复现成功"}), content_type="application/json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["state"] == "confirmed"
    assert moved.json()["history"][-1]["to_state"] == "confirmed"
    assert moved.json()["history"][-1]["text"] == "复现成功"
    finding.refresh_from_db()
    assert finding.state == State.CONFIRMED
    assert FindingEvent.objects.filter(finding=finding, to_state="confirmed").count() == 1

    wrong = assessor.post(url, json.dumps({"to": "verified_fixed"}), content_type="application/json")
    assert wrong.status_code == 400 and "不能从" in wrong.json()["detail"]


def test_risk_acceptance_needs_an_approver_with_the_right(world_a, as_role):
    finding = factories.finding(world_a)
    url = f"{BASE}/findings/{finding.pk}/transitions"
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    reviewer_id = world_a.members["reviewer"].pk
    body = {"to": "risk_accepted", "until": until, "approver_id": reviewer_id}
    refused = as_role("assessor").post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["detail"] == "接受风险须由客户联系人或项目经理审批"
    body["approver_id"] = world_a.members["client"].pk
    accepted = as_role("assessor").post(url, json.dumps(body), content_type="application/json")
    assert accepted.status_code == 200
    assert accepted.json()["risk_accepted_until"] == until
    assert accepted.json()["risk_accepted_by"] == world_a.members["client"].display_name


def test_the_client_contact_may_not_confirm_a_finding(world_a, as_role):
    finding = factories.finding(world_a)
    client = as_role("client")
    allowed = client.get(f"{BASE}/findings/{finding.pk}/transitions").json()
    assert {a["to"] for a in allowed["allowed"]} == {"risk_accepted", "fixed_pending"}
    url = f"{BASE}/findings/{finding.pk}/transitions"
    answer = client.post(url, json.dumps({"to": "confirmed"}), content_type="application/json")
    assert answer.status_code == 403
    finding.refresh_from_db()
    assert finding.state == State.OPEN


def test_scans_and_authorisations(world_a, as_role):
    scan = factories.scan(world_a)
    Scan.objects.filter(pk=scan.pk).update(
        status=Scan.Status.RUNNING, done=30, total=120, step="10.20.1.0/24"
    )
    client = as_role("client")
    listed = client.get(f"{BASE}/scans").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "running"
    one = client.get(f"{BASE}/scans/{scan.pk}").json()
    assert (one["done"], one["total"], one["percent"], one["step"]) == (30, 120, 25, "10.20.1.0/24")
    assert one["status_label"] == "扫描中"
    authorisations = client.get(f"{BASE}/authorisations").json()
    assert [(a["id"], a["status"], a["cidrs"]) for a in authorisations] == [
        (scan.authorisation_id, "valid", ["127.0.0.0/8", "10.20.1.0/24"])
    ]
    assert client.get(f"{BASE}/scans/999999").json()["detail"] == "请求的对象不存在，或不属于本项目。"


def test_imports_are_listed(imported, as_role):
    listed = as_role("reviewer").get(f"{BASE}/scan-imports").json()
    assert listed["count"] == 1 and listed["items"][0]["created"] == imported["created"]


def test_a_foreign_project_is_404(world_a, stranger):
    finding = factories.finding(world_a)
    scan = factories.scan(world_a)
    for url in (
        f"{BASE}/findings",
        f"{BASE}/findings/{finding.pk}",
        f"{BASE}/findings/{finding.pk}/transitions",
        f"{BASE}/scan-imports",
        f"{BASE}/scans",
        f"{BASE}/scans/{scan.pk}",
        f"{BASE}/authorisations",
    ):
        assert stranger.get(url).status_code == 404, url
    url = f"{BASE}/findings/{finding.pk}/transitions"
    moved = stranger.post(url, json.dumps({"to": "confirmed"}), content_type="application/json")
    assert moved.status_code == 404
    upload = _upload(stranger, "hospital.nessus", (SAMPLES / "nessus_hospital.nessus").read_bytes())
    assert upload.status_code == 404
    assert not Import.objects.exists()
    finding.refresh_from_db()
    assert finding.state == State.OPEN
