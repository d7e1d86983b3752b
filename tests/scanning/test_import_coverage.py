"""Re-imports close what the file covered and nothing else; nothing-found is a result; lists stay whole;
repeated findings keep every place; warnings are numbered."""

from __future__ import annotations

import json
import re

import pytest

from dengbao.scanning import selectors
from dengbao.scanning.finding_models import Finding, FindingCve, FindingInstance, State
from dengbao.scanning.import_services import import_scan
from dengbao.scanning.models import Import

from .conftest import SAMPLES, rewrite

pytestmark = pytest.mark.django_db

NUCLEI = SAMPLES / "nuclei_v3_27.jsonl"


def _import(world, actor, path, fmt=None, **kw) -> Import:
    return import_scan(actor=actor, project=world.project, fmt=fmt, path=path, **kw)


def _state(world, **where) -> str:
    return Finding.objects.get(project=world.project, **where).state


def test_the_27_result_nuclei_v3_file_imports_27(world, assessor):
    imp = _import(world, assessor, NUCLEI)
    assert imp.fmt == "nuclei" and imp.findings == 27
    assert (imp.created, imp.duplicates, imp.warnings) == (26, 1, [])
    critical = Finding.objects.get(project=world.project, rule_id="mysql-default-login")
    assert (critical.severity, critical.host, critical.port) == ("严重", "192.0.2.20", 3306)


def test_an_empty_nuclei_output_imports_and_closes_the_declared_targets(world, assessor, tmp_path):
    _import(world, assessor, NUCLEI)
    empty = tmp_path / "nothing.jsonl"
    empty.write_bytes(b"")
    quiet = _import(world, assessor, empty, "nuclei")  # nothing found, nothing declared: nothing closes
    assert quiet.summary()["findings"]["closed"] == 0 and quiet.hosts == 0
    assert "没有关闭任何发现" in quiet.warnings[0]["message"]
    imp = _import(world, assessor, empty, "nuclei", covers="192.0.2.20, 192.0.2.21/32")
    assert imp.summary()["hosts"] == 1 and imp.coverage["networks"] == ["192.0.2.21/32"]
    closed = set(
        Finding.objects.filter(project=world.project, state=State.FIXED_PENDING).values_list(
            "rule_id", flat=True
        )
    )
    on_20 = {"redis-default-logins", "mysql-info", "mysql-default-login"}
    on_21 = {"openssh-detect", "CVE-2018-15473", "ssh-password-auth"}
    assert closed == on_20 | on_21 and imp.closed == 6
    assert _state(world, rule_id="git-config") == State.OPEN  # portal.hospital.example was not declared


def test_nuclei_closes_only_templates_that_ran(world, assessor, tmp_path):
    _import(world, assessor, NUCLEI)
    lines = NUCLEI.read_text(encoding="utf-8").splitlines()
    # the next run: the security headers were fixed on the portal, and only these three templates ran
    kept = [line for line in lines if '"tech-detect"' in line or '"nginx-version"' in line]
    kept.append(
        lines[0].replace(
            '"matched-at":"https://portal.hospital.example"', '"matched-at":"https://www.hospital.example"'
        )
    )
    later = tmp_path / "later.jsonl"
    later.write_text("\n".join(kept) + "\n", encoding="utf-8")
    imp = _import(world, assessor, later, "nuclei")
    gone = Finding.objects.filter(project=world.project, state=State.FIXED_PENDING)
    # the four other header matchers on the portal closed (template ran, host covered) …
    headers = (
        "content-security-policy",
        "permissions-policy",
        "referrer-policy",
        "strict-transport-security",
    )
    expected = [f"http-missing-security-headers:{h}" for h in (*headers, "x-frame-options")]
    assert sorted(gone.values_list("rule_id", flat=True)) == expected
    assert imp.closed == 5
    assert _state(world, rule_id="git-config") == State.OPEN  # … a template that did not run stays open


def test_a_150_cve_item_keeps_150_cves_and_is_found_by_any_of_them(world, assessor):
    _import(world, assessor, SAMPLES / "nessus_export.csv")
    java = Finding.objects.get(project=world.project, rule_id="189989")
    assert len(java.cve.split()) == 150 and java.cve.split()[-1] == "CVE-2025-22043"
    assert FindingCve.objects.filter(finding=java).count() == 150
    for wanted in ("CVE-2025-22043", "cve-2024-21000"):
        rows = selectors.finding_list(
            actor=assessor, project=world.project, filters=selectors.FindingFilter(q=wanted)
        )
        assert list(rows) == [java]
    exact = selectors.FindingFilter(cve="CVE-2024-2100")  # a prefix is not a CVE of it
    assert not selectors.finding_list(actor=assessor, project=world.project, filters=exact).exists()


def test_a_nessus_item_with_150_cves_keeps_them_through_a_reimport(world, assessor, tmp_path):
    many = "".join(f"<cve>CVE-2023-{40000 + i}</cve>" for i in range(150))
    path = rewrite(SAMPLES / "nessus_hospital.nessus", tmp_path / "many.nessus",
                   ("<cve>CVE-2017-0143</cve>", many + "<cve>CVE-2017-0143</cve>"))  # fmt: skip
    _import(world, assessor, SAMPLES / "nessus_hospital.nessus", "nessus")
    again = _import(world, assessor, path, "nessus")
    row = Finding.objects.get(project=world.project, rule_id="97833")
    assert len(row.cve.split()) == 156 and FindingCve.objects.filter(finding=row).count() == 156
    assert again.updated == 16 and again.created == 0


def test_repeated_findings_keep_every_place_as_instances(world, assessor):
    imp = _import(world, assessor, SAMPLES / "nessus_export.csv")
    assert (imp.findings, imp.created, imp.duplicates) == (10, 9, 1)
    php = Finding.objects.get(project=world.project, rule_id="58987")
    evidence = list(FindingInstance.objects.filter(finding=php).values_list("place", "evidence"))
    assert [place for place, _ in evidence] == ["10.20.1.11:80/tcp", "10.20.1.11:80/tcp"]
    assert "/usr/bin/php" in evidence[0][1] and "/opt/his/legacy/php/bin/php" in evidence[1][1]
    _import(world, assessor, SAMPLES / "nessus_export.csv")  # the next import replaces them
    assert FindingInstance.objects.filter(finding=php).count() == 2
    acunetix = _import(world, assessor, SAMPLES / "acunetix_portal.xml")
    xss = Finding.objects.get(project=world.project, tool="acunetix", title="Cross site scripting")
    assert acunetix.duplicates == 1 and xss.instances.count() == 2
    assert all(i.parameter == "q" and "search.php" in i.place for i in xss.instances.all())


def test_a_policy_plugin_set_bounds_what_a_nessus_import_closes(world, assessor, tmp_path):
    _import(world, assessor, SAMPLES / "nessus_hospital.nessus", "nessus")
    text = (SAMPLES / "nessus_hospital.nessus").read_text(encoding="utf-8")
    text = text.replace("<value>97833;19506;11219;51192;104743</value>", "<value>10107;11219</value>")
    narrow = tmp_path / "web-only.nessus"  # the same hosts, a policy of two plugins that found nothing
    narrow.write_text(re.sub(r"<ReportItem .*?</ReportItem>", "", text, flags=re.S), encoding="utf-8")
    imp = _import(world, assessor, narrow, "nessus")
    closed = Finding.objects.filter(project=world.project, state=State.FIXED_PENDING)
    assert list(closed.values_list("rule_id", flat=True)) == ["11219"] and imp.closed == 1
    assert imp.hosts == 4 and imp.coverage["rules"] == {"nessus": 2}
    assert _state(world, rule_id="97833") == State.OPEN  # MS17-010's plugin did not run


def test_an_aborted_scan_closes_nothing_and_says_so(world, assessor, tmp_path):
    _import(world, assessor, SAMPLES / "acunetix_portal.xml")
    aborted = rewrite(
        SAMPLES / "acunetix_portal.xml",
        tmp_path / "a.xml",
        ("<Aborted><![CDATA[False]]>", "<Aborted>True"),
        drop=('<ReportItem id="0"', "</ReportItem>"),
    )
    imp = _import(world, assessor, aborted)
    assert imp.closed == 0 and imp.complete is False
    assert any("中止" in w["message"] for w in imp.warnings)


def test_warnings_are_numbered_in_the_summary(world, assessor, tmp_path):
    lines = NUCLEI.read_text(encoding="utf-8").splitlines()
    bad = [json.loads(line) for line in lines]
    for index in (24, 25):
        for key in ("ip", "port", "response"):
            bad[index].pop(key, None)
    path = tmp_path / "v3.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in bad), encoding="utf-8")
    summary = _import(world, assessor, path, "nuclei").summary()
    assert summary["findings"]["created"] == 24
    assert [(w["number"], w["where"]) for w in summary["warnings"]] == [(1, "第 25 行"), (2, "第 26 行")]
    assert "mysql-default-login（javascript）" in summary["warnings"][0]["message"]
