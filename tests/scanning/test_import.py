"""Every format through ``import_scan``: rows in the database, counts, dedup and re-import transitions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dengbao.audit.models import AuditEvent
from dengbao.core.importers import ImportFormatError
from dengbao.scanning.finding_models import Finding, FindingEvent, State
from dengbao.scanning.import_services import ImportRefused, import_scan
from dengbao.scanning.inventory_models import Asset, Service
from dengbao.scanning.models import Import

from .conftest import SAMPLES, rewrite

pytestmark = pytest.mark.django_db


def _import(world, actor, name, fmt=None, **kw):
    path = name if not isinstance(name, str) else SAMPLES / name
    return import_scan(actor=actor, project=world.project, fmt=fmt, path=path, **kw)


@pytest.mark.parametrize(
    ("sample", "fmt", "findings", "unique", "duplicates"),
    [
        ("nessus_hospital.nessus", "nessus", 17, 16, 1),  # the TLS item is listed twice
        ("openvas_hospital.xml", "openvas", 9, 8, 1),
        ("nuclei_portal.jsonl", "nuclei", 9, 8, 1),
        ("zap_portal.xml", "zap", 10, 9, 1),
        ("pentest_utf8_bom.csv", "csv", None, None, None),
    ],
)
def test_each_format_stores_its_findings(world, assessor, sample, fmt, findings, unique, duplicates):
    imp = _import(world, assessor, sample, fmt)
    stored = Finding.objects.filter(project=world.project)
    assert imp.fmt == fmt and imp.created == stored.count() > 0
    if findings is not None:
        assert (imp.findings, imp.created, imp.duplicates) == (findings, unique, duplicates)
    assert imp.counts() == {
        "created": imp.created,
        "updated": 0,
        "closed": 0,
        "reopened": 0,
        "duplicates": imp.duplicates,
    }
    assert all(f.state == State.OPEN and f.first_import_id == imp.pk for f in stored)
    assert len(imp.sha256) == 64
    assert AuditEvent.objects.filter(action="scan.import").count() == 1  # once per import, not per finding


def test_format_is_detected_when_not_given(world, assessor):
    imp = _import(world, assessor, "zap_wechat.json")
    assert imp.fmt == "zap" and imp.created > 0


def test_nessus_row_keeps_the_fields(world, assessor):
    _import(world, assessor, "nessus_hospital.nessus", "nessus")
    row = Finding.objects.get(project=world.project, rule_id="97833")
    assert (row.severity, row.host, row.port, row.protocol, row.service) == (
        "严重",
        "10.20.1.20",
        445,
        "tcp",
        "cifs",
    )
    assert row.cve.split() == [f"CVE-2017-0{n}" for n in range(143, 149)]
    assert row.cvss_score == 8.1 and row.title.startswith("MS17-010")
    # SLA: critical findings are due 7 days after they were first seen
    assert (row.sla_due - timezone.localtime(row.first_seen).date()).days == 7  # due counts in local days
    info = Finding.objects.filter(project=world.project, severity="信息").first()
    assert info.sla_due is None


def test_nmap_feeds_the_inventory_and_its_findings(world, assessor):
    imp = _import(world, assessor, "nmap_hospital.xml", "nmap")
    assert imp.services > 0 and Asset.objects.filter(project=world.project).count() >= 2
    services = Service.objects.filter(asset__project=world.project)
    assert services.count() == imp.services
    assert all(s.change == Service.Change.NEW for s in services.filter(state="open"))
    assert Finding.objects.filter(project=world.project, tool="nmap").count() == imp.created > 0


def test_nmap_rescan_marks_closed_ports_and_version_changes(world, assessor, tmp_path):
    _import(world, assessor, "nmap_hospital.xml", "nmap")
    text = (SAMPLES / "nmap_hospital.xml").read_text(encoding="utf-8")
    ssh = Service.objects.get(asset__host="10.20.1.10", port=22)
    assert ssh.version
    modified = text.replace(f'version="{ssh.version}"', 'version="9.9p1"', 1)
    assert modified != text
    path = tmp_path / "rescan.xml"
    path.write_text(modified, encoding="utf-8")
    _import(world, assessor, path, "nmap")
    ssh.refresh_from_db()
    assert (ssh.change, ssh.version) == (Service.Change.VERSION, "9.9p1")
    assert Service.objects.filter(asset__project=world.project, change=Service.Change.NEW).count() == 0


def test_reimport_same_file_changes_nothing(world, assessor):
    first = _import(world, assessor, "nessus_hospital.nessus", "nessus")
    second = _import(world, assessor, "nessus_hospital.nessus", "nessus")
    assert second.counts() == {
        "created": 0,
        "updated": first.created,
        "closed": 0,
        "reopened": 0,
        "duplicates": 1,
    }
    assert Finding.objects.filter(project=world.project).count() == first.created
    assert set(Finding.objects.values_list("last_import", flat=True)) == {second.pk}


def test_reimport_closes_disappeared_reopens_returned_and_keeps_false_positive(world, assessor, tmp_path):
    from dengbao.scanning import finding_services

    sample = SAMPLES / "nessus_hospital.nessus"
    _import(world, assessor, sample, "nessus")
    ms17 = Finding.objects.get(rule_id="97833")
    icmp = Finding.objects.get(rule_id="10114")
    finding_services.finding_transition(
        actor=assessor, finding=icmp, to=State.FALSE_POSITIVE, note="内网可接受"
    )
    # the second scan no longer sees MS17-010 (the host was patched) nor the ICMP item
    text = sample.read_text(encoding="utf-8")
    start = text.index('<ReportItem port="445"')
    end = text.index("</ReportItem>", start) + len("</ReportItem>")
    assert 'pluginID="97833"' in text[start:end]
    second = tmp_path / "q2.nessus"
    second.write_text(text[:start] + text[end:], encoding="utf-8")
    imp2 = _import(world, assessor, second, "nessus")
    assert (imp2.created, imp2.closed, imp2.reopened) == (0, 1, 0)
    ms17.refresh_from_db()
    icmp.refresh_from_db()
    assert ms17.state == State.FIXED_PENDING and ms17.closed_at is not None
    assert icmp.state == State.FALSE_POSITIVE  # a human decided: scans leave it alone
    event = FindingEvent.objects.get(finding=ms17, to_state=State.FIXED_PENDING)
    assert event.source_import_id == imp2.pk
    # the third scan sees it again
    imp3 = _import(world, assessor, sample, "nessus")
    assert (imp3.created, imp3.closed, imp3.reopened) == (0, 0, 1)
    ms17.refresh_from_db()
    icmp.refresh_from_db()
    assert ms17.state == State.REOPENED and ms17.closed_at is None
    assert icmp.state == State.FALSE_POSITIVE


def test_partial_scan_does_not_close_findings_on_hosts_it_did_not_cover(world, assessor, tmp_path):
    sample = SAMPLES / "nessus_hospital.nessus"
    first = _import(world, assessor, sample, "nessus")
    text = sample.read_text(encoding="utf-8")
    # a scan of 10.20.1.10 alone: every other ReportHost removed
    start = text.index('<ReportHost name="10.20.1.20"')
    end = text.rindex("</ReportHost>") + len("</ReportHost>")
    partial = tmp_path / "one-host.nessus"
    partial.write_text(text[:start] + text[end:], encoding="utf-8")
    imp = _import(world, assessor, partial, "nessus")
    on_host = Finding.objects.filter(host="10.20.1.10").count()
    assert imp.counts() == {"created": 0, "updated": on_host, "closed": 0, "reopened": 0, "duplicates": 1}
    assert Finding.objects.filter(state=State.OPEN).count() == first.created


def test_other_tool_findings_are_not_closed_by_a_nessus_reimport(world, assessor):
    _import(world, assessor, "openvas_hospital.xml", "openvas")
    imp = _import(world, assessor, "nessus_hospital.nessus", "nessus")
    assert imp.closed == 0
    assert not Finding.objects.filter(tool="openvas").exclude(state=State.OPEN).exists()


def test_a_file_failing_part_way_leaves_nothing(world, assessor, tmp_path):
    text = (SAMPLES / "nessus_hospital.nessus").read_text(encoding="utf-8")
    cut = text.index('<ReportHost name="pacs.hospital.local"')
    broken = tmp_path / "broken.nessus"
    broken.write_text(text[:cut] + "<ReportHost name=", encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        _import(world, assessor, broken, "nessus")
    message = str(info.value)
    assert message.startswith("broken.nessus") and "行" in message
    assert not Finding.objects.exists() and not Import.objects.exists() and not FindingEvent.objects.exists()
    failed = AuditEvent.objects.get(action="scan.import_failed")
    assert failed.outcome == "failed" and "broken.nessus" in failed.details["error"]


def test_a_failed_reimport_keeps_the_previous_state(world, assessor, tmp_path):
    _import(world, assessor, "nessus_hospital.nessus", "nessus")
    before = sorted(Finding.objects.values_list("pk", "state", "last_import"))
    broken = tmp_path / "broken.nessus"
    text = (SAMPLES / "nessus_hospital.nessus").read_text(encoding="utf-8")
    broken.write_text(text[: len(text) - 200], encoding="utf-8")
    with pytest.raises(ImportFormatError):
        _import(world, assessor, broken, "nessus")
    assert sorted(Finding.objects.values_list("pk", "state", "last_import")) == before
    assert Import.objects.count() == 1


def test_wrong_format_named_gives_the_importer_message(world, assessor):
    with pytest.raises(ImportFormatError) as info:
        _import(world, assessor, "zap_portal.xml", "nessus")
    assert "zap_portal.xml" in str(info.value)
    assert not Import.objects.exists()


def test_oversize_file_is_refused_and_audited(world, assessor, settings):
    settings.DENGBAO_MAX_UPLOAD_BYTES = 4096
    with pytest.raises(ImportRefused) as info:
        _import(world, assessor, "nessus_hospital.nessus", "nessus")
    assert "过大" in info.value.messages[0]
    assert not Import.objects.exists()
    assert AuditEvent.objects.filter(action="scan.import_refused", outcome="refused").count() == 1


def test_client_and_reviewer_cannot_import(world, client_user, reviewer):
    for user in (client_user, reviewer):
        with pytest.raises(PermissionDenied):
            _import(world, user, "nessus_hospital.nessus", "nessus")
    assert not Import.objects.exists()


def test_system_of_another_project_is_refused(world, world_b, assessor):
    from django.core.exceptions import ValidationError

    from dengbao.systems.services import system_create

    foreign = system_create(
        actor=None, organisation=world_b.client, project=world_b.project, name="X", code="X"
    )
    with pytest.raises(ValidationError):
        _import(world, assessor, "nessus_hospital.nessus", "nessus", system=foreign)


def test_csv_pentest_rows_dedup_within_the_file(world, assessor, tmp_path):
    path = rewrite(SAMPLES / "pentest_utf8_bom.csv", tmp_path / "p.csv")
    imp = _import(world, assessor, path, "csv")
    assert imp.created == Finding.objects.count()
    assert imp.created + imp.duplicates == imp.findings
