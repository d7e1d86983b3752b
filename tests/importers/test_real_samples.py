"""Real public scanner outputs (see samples/README.md for each file's origin and licence)."""

from __future__ import annotations

from dengbao.core.importers import Coverage, Severity, dedup_key, detect

from .conftest import SAMPLES, findings


def test_tenable_sc_csv_with_its_quirks():
    path = SAMPLES / "real_tenable_sc_many_vuln.csv"
    assert detect(path) == "nessus-csv"
    items = findings(path)  # the trailing rows of commas alone are not findings
    assert [(f.tool_rule_id, f.host, f.port, f.protocol) for f in items] == [
        ("35291", "10.1.1.1", 443, "tcp"),
        ("51192", "10.1.1.1", 443, "tcp"),
        ("57582", "10.2.1.1", 443, "tcp"),
        ("65821", "10.2.1.1", 443, "tcp"),
    ]
    weak, _untrusted, _self_signed, rc4 = items
    assert weak.cve == ("CVE-2004-2761",) and weak.cwe == (310,) and weak.cvss_score == 7.5
    assert rc4.cve == ("CVE-2013-2566", "CVE-2015-2808")
    assert {f.severity for f in items} == {Severity.MEDIUM} and weak.raw_severity == "Medium"
    assert weak.evidence.startswith("Plugin Output:")
    assert weak.dedup_key == dedup_key("nessus", "35291", "10.1.1.1", 443, "tcp")  # as from a .nessus


def test_openvas_csv_host_level_result_has_no_port():
    items = findings(SAMPLES / "real_openvas_many_vuln.csv")
    assert len(items) == 4
    timestamps, dh, tls, brute = items
    assert (timestamps.port, timestamps.protocol, timestamps.service) == (None, "tcp", "general")
    assert timestamps.severity is Severity.LOW and timestamps.cvss_score == 2.6
    assert "Packet 1: 2323572" in timestamps.evidence  # a multi-line quoted field read whole
    assert (dh.port, tls.cve) == (9200, ("CVE-2011-3389", "CVE-2015-0204"))
    assert brute.severity is Severity.CRITICAL and brute.cvss_score == 9.0  # CVSS 9.0, banded


def test_acunetix_one_finding():
    (item,) = findings(SAMPLES / "real_acunetix_one_finding.xml")
    assert (item.title, item.severity, item.url, item.cwe) == (
        "VijayReportItem1",
        Severity.MEDIUM,
        "https://vijaytest.com/some/path",
        (352,),
    )


def test_qualys_report_same_qid_on_three_ports():
    path = SAMPLES / "real_qualys_asset_data_report.xml"
    items = findings(path)  # the glossary comes before the hosts here: read either way
    assert [(f.tool_rule_id, f.port, f.title, f.severity) for f in items] == [
        ("12345", port, "Test Vulnerability", Severity.MEDIUM) for port in (80, 443, 8080)
    ]
    assert len({f.dedup_key for f in items}) == 3 and items[0].hostname == "testhost.example.com"


def test_xray_v1_and_v0_shapes():
    (v1,) = findings(SAMPLES / "real_xray_v1_webscan.json")
    assert (v1.host, v1.port, v1.parameter, v1.severity) == ("testphp.vulnweb.com", 80, "pass", Severity.HIGH)
    assert v1.title == "Generic MySQL time based case ['string']（sqldet/blind-based/default）"
    assert v1.evidence.startswith("攻击载荷：123'and(select*from") and "POST /userinfo.php" in v1.evidence
    sqli, baseline = findings(SAMPLES / "real_xray_v0_doc_samples.json")
    assert (sqli.parameter, sqli.severity, sqli.url) == (
        "name",
        Severity.HIGH,
        "http://pentester-web.vulnet/sqli/example1.php?name=root",
    )
    assert "GET /sqli/example1.php?name=root%27and%27eF" in sqli.evidence  # request1 of a two-step check
    assert baseline.severity is Severity.LOW and baseline.description == "header-wrong-value"


def test_real_samples_cover_their_hosts():
    from dengbao.core.importers import parse

    (coverage,) = [r for r in parse(SAMPLES / "real_tenable_sc_many_vuln.csv") if isinstance(r, Coverage)]
    assert coverage.hosts == {"10.1.1.1", "10.2.1.1"} and coverage.rules is None
