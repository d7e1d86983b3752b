"""Nessus CSV, OpenVAS CSV, Acunetix XML, Qualys XML and xray JSON: exact values from the fixtures.

The fixtures are our own, written from each tool's documented export (see samples/README.md).
"""

from __future__ import annotations

import json

import pytest

from dengbao.core.importers import (
    Coverage,
    Finding,
    ImportFormatError,
    Incomplete,
    RecordWarning,
    Severity,
    dedup_key,
    detect,
    parse,
)

from .conftest import SAMPLES, by_severity, findings, rewrite


def _records(path, fmt=None) -> list:
    return list(parse(path, fmt))


@pytest.mark.parametrize(
    ("sample", "fmt"),
    [
        ("nessus_export.csv", "nessus-csv"),
        ("openvas_results.csv", "openvas-csv"),
        ("acunetix_portal.xml", "acunetix"),
        ("qualys_scan.xml", "qualys"),
        ("qualys_report.xml", "qualys"),
        ("xray_webscan.json", "xray"),
        ("nuclei_v3_27.jsonl", "nuclei"),
    ],
)
def test_each_new_format_is_detected(sample, fmt):
    assert detect(SAMPLES / sample) == fmt


def test_nessus_csv_merges_the_rows_of_one_result_and_keeps_150_cves():
    items = findings(SAMPLES / "nessus_export.csv")
    assert len(items) == 10  # 792 rows: Java's 150 rows are one result, TLS' two rows are one
    (java,) = [f for f in items if f.tool_rule_id == "189989"]
    assert len(java.cve) == 150 and java.cve[0] == "CVE-2024-21000" and java.cve[-1] == "CVE-2025-22043"
    assert (java.severity, java.port, java.protocol, java.host) == (
        Severity.CRITICAL,
        None,
        "tcp",
        "10.20.1.10",
    )
    (tls,) = [f for f in items if f.tool_rule_id == "104743"]
    assert tls.cve == ("CVE-2011-3389", "CVE-2015-0204") and tls.port == 443 and tls.cvss_score == 6.1
    php = [f for f in items if f.tool_rule_id == "58987"]  # two installs: two rows with different output
    assert len(php) == 2 and php[0].dedup_key == php[1].dedup_key
    assert "/usr/bin/php" in php[0].evidence and "/opt/his/legacy/php/bin/php" in php[1].evidence
    assert by_severity(items) == {"INFO": 5, "CRITICAL": 3, "MEDIUM": 2}
    assert tls.dedup_key == dedup_key("nessus", "104743", "10.20.1.12", 443, "tcp")  # as from .nessus
    (coverage,) = [r for r in _records(SAMPLES / "nessus_export.csv") if isinstance(r, Coverage)]
    assert coverage.tool == "nessus" and coverage.hosts == {"10.20.1.10", "10.20.1.11", "10.20.1.12"}


def test_nessus_csv_with_a_bad_port_names_the_row(tmp_path):
    bad = rewrite(SAMPLES / "nessus_export.csv", tmp_path / "bad.csv", ('"tcp","445"', '"tcp","70000"'))
    with pytest.raises(ImportFormatError) as caught:
        _records(bad)
    assert caught.value.where == "第 785 行" and "Port 是 '70000'，应为 0–65535 的整数" in caught.value.reason


def test_openvas_csv_identity_matches_the_xml_importer():
    items = findings(SAMPLES / "openvas_results.csv")
    assert [f.severity.name for f in items] == ["MEDIUM", "LOW", "CRITICAL", "INFO", "HIGH"]
    tls, timestamps, mysql, ssh, snmp = items
    assert ssh.severity is Severity.INFO and ssh.evidence.startswith("Remote SSH server banner")
    assert tls.cve == ("CVE-2011-3389", "CVE-2015-0204") and tls.hostname == "pacs.hospital.example"
    assert tls.references == ("https://ssl-config.mozilla.org", "https://bettercrypto.org")
    assert (timestamps.port, timestamps.protocol, timestamps.service) == (None, "tcp", "general")
    assert timestamps.dedup_key == dedup_key(
        "openvas", "1.3.6.1.4.1.25623.1.0.80091", "10.20.1.20", None, "tcp", "general"
    )
    assert (snmp.port, snmp.protocol) == (161, "udp") and snmp.cve == ("CVE-1999-0517",)
    assert mysql.evidence == "It was possible to login as root with an empty password."


def test_acunetix_items_false_positive_skipped_with_a_warning():
    records = _records(SAMPLES / "acunetix_portal.xml")
    items = [r for r in records if isinstance(r, Finding)]
    assert [f.title for f in items] == [
        "SQL injection",
        "Cross site scripting",
        "Cross site scripting",
        "TLS 1.0 enabled",
        "Vulnerable JavaScript libraries",
        "Email addresses",
    ]
    sqli = items[0]
    assert (sqli.url, sqli.parameter, sqli.cwe, sqli.cvss_score) == (
        "https://portal.hospital.example/appointment.php",
        "dept",
        (89,),
        9.1,
    )
    assert (
        sqli.cvss_vector.startswith("CVSS:3.0/") and "You have an error in your SQL syntax" in sqli.evidence
    )
    assert items[1].dedup_key == items[2].dedup_key  # the same XSS with two payloads: one finding
    assert items[3].url == "https://portal.hospital.example/" and items[3].cve == (
        "CVE-2011-3389",
        "CVE-2014-3566",
    )
    assert len(items[4].cve) == 5
    (warning,) = [r for r in records if isinstance(r, RecordWarning)]
    assert "Directory traversal" in warning.reason and "误报" in warning.reason
    assert warning.where.endswith("ReportItem[6]")
    assert records[-1] == Coverage("acunetix", hosts=frozenset({"portal.hospital.example"}))


def test_an_aborted_acunetix_scan_is_incomplete(tmp_path):
    aborted = rewrite(
        SAMPLES / "acunetix_portal.xml", tmp_path / "a.xml", ("<Aborted><![CDATA[False]]>", "<Aborted>True")
    )
    assert any(isinstance(r, Incomplete) for r in _records(aborted))


def test_qualys_scan_results_with_their_dtd_line():
    records = _records(SAMPLES / "qualys_scan.xml")
    items = [r for r in records if isinstance(r, Finding)]
    assert [(f.tool_rule_id, f.severity.name) for f in items] == [
        ("6", "INFO"),
        ("82023", "INFO"),
        ("91345", "CRITICAL"),
        ("38173", "LOW"),
        ("90043", "LOW"),
        ("82040", "INFO"),
    ]
    smb = items[2]
    assert (smb.host, smb.hostname, smb.port, smb.protocol) == (
        "10.20.2.5",
        "lis.hospital.example",
        445,
        "tcp",
    )
    assert smb.cve == ("CVE-2017-0143", "CVE-2017-0144", "CVE-2017-0145") and smb.cvss_score == 8.1
    assert smb.description.startswith("The SMBv1 server mishandles") and "ms17-010" in smb.references[-1]
    assert items[-1].hostname == ""  # "No registered hostname"
    assert records[-1] == Coverage("qualys", hosts=frozenset({"10.20.2.5", "10.20.2.9"}))


def test_qualys_report_joins_the_glossary_and_leaves_fixed_items_out():
    records = _records(SAMPLES / "qualys_report.xml")
    items = [r for r in records if isinstance(r, Finding)]
    assert [f.tool_rule_id for f in items] == ["91345", "90043", "6"]  # 38173 is Fixed
    smb = items[0]
    assert smb.title.startswith("Microsoft SMB Server") and smb.severity is Severity.CRITICAL
    assert len(smb.cve) == 3 and smb.cvss_vector.startswith("CVSS:3.0/") and smb.port == 445
    assert smb.dedup_key == dedup_key("qualys", "91345", "10.20.2.5", 445, "tcp")  # as from scan results
    assert items[2].severity is Severity.INFO
    assert records[-1].hosts == {"10.20.2.5", "10.20.2.9"}  # the host with nothing is covered too


def test_a_stopped_qualys_scan_is_incomplete(tmp_path):
    stopped = rewrite(
        SAMPLES / "qualys_scan.xml", tmp_path / "q.xml", ('"STATUS">FINISHED', '"STATUS">CANCELED')
    )
    assert any(isinstance(r, Incomplete) and "CANCELED" in r.reason for r in _records(stopped))


def test_xray_results_severity_and_the_one_without_a_target():
    records = _records(SAMPLES / "xray_webscan.json")
    items = [r for r in records if isinstance(r, Finding)]
    assert [(f.tool_rule_id, f.severity.name) for f in items] == [
        ("sqldet/blind-based/default", "HIGH"),
        ("xss/reflected/default", "MEDIUM"),
        ("xss/reflected/default", "MEDIUM"),
        ("poc-yaml-thinkphp5023-method-rce", "CRITICAL"),  # xray's own level
        ("dirscan/backup/default", "LOW"),
        ("poc-yaml-tomcat-cve-2020-1938", "HIGH"),
    ]
    sqli, xss1, xss2, rce, _backup, ajp = items
    assert (sqli.host, sqli.port, sqli.parameter) == ("oa.hospital.example", 80, "id")
    assert "攻击载荷：12 and sleep(3)" in sqli.evidence and "GET /notice.php" in sqli.evidence
    assert xss1.dedup_key == xss2.dedup_key and rce.port == 8080
    assert (ajp.host, ajp.port, ajp.url, ajp.cve) == ("10.20.3.7", 8009, "", ("CVE-2020-1938",))
    (warning,) = [r for r in records if isinstance(r, RecordWarning)]
    assert warning.where == "第 7 个结果" and "baseline/sensitive/server-error" in warning.reason
    coverage = records[-1]
    assert coverage.rules == {"sqldet", "xss", "dirscan", "poc-yaml-thinkphp5023-method-rce",
                              "poc-yaml-tomcat-cve-2020-1938"}  # fmt: skip


def test_xray_webhook_lines_and_a_truncated_array(tmp_path):
    items = json.loads((SAMPLES / "xray_webscan.json").read_text(encoding="utf-8"))
    hooks = tmp_path / "hook.jsonl"
    events = [{"type": "web_vuln", "data": items[0]}, {"type": "web_statistic", "data": {"num": 3}}]
    hooks.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    assert detect(hooks) == "xray"
    assert [f.tool_rule_id for f in findings(hooks)] == ["sqldet/blind-based/default"]


def test_an_interrupted_xray_keeps_its_complete_results(tmp_path):
    text = (SAMPLES / "xray_webscan.json").read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.rindex("]")], encoding="utf-8")  # xray killed before writing "]"
    records = _records(cut)
    assert len([r for r in records if isinstance(r, Finding)]) == 6
    warning = [r for r in records if isinstance(r, RecordWarning)][-1]
    assert "第 7 个完整结果之后结束，缺少结尾的 ]（xray 被中断）" in warning.reason
    assert any(isinstance(r, Incomplete) for r in records)  # an interrupted scan closes nothing
    inside = tmp_path / "inside.json"
    inside.write_text(text[: text.index('"plugin": "dirscan')], encoding="utf-8")  # cut inside result 5
    records = _records(inside)
    assert len([r for r in records if isinstance(r, Finding)]) == 4
    assert "第 4 个完整结果之后结束" in [r for r in records if isinstance(r, RecordWarning)][-1].reason
    broken = tmp_path / "broken.json"
    broken.write_text(text.replace('"plugin": "dirscan', '"plugin" "dirscan'), encoding="utf-8")
    with pytest.raises(ImportFormatError, match="JSON 格式错误"):  # damage in the middle is refused
        _records(broken)
