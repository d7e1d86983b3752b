"""OpenVAS/Greenbone XML: results only (not the report-level host details), CVSS banding."""

from __future__ import annotations

from dengbao.core.importers import Severity, dedup_key

from .conftest import SAMPLES, by_severity, findings, rewrite

SAMPLE = SAMPLES / "openvas_hospital.xml"
TLS_OID = "1.3.6.1.4.1.25623.1.0.117274"


def test_counts_and_severity_bands():
    items = findings(SAMPLE)
    assert len(items) == 9  # the report-level <host> and <ports> summaries are not findings
    assert by_severity(items) == {"CRITICAL": 2, "HIGH": 1, "MEDIUM": 4, "LOW": 1, "INFO": 1}
    assert [(f.raw_severity, f.severity) for f in items[:2]] == [
        ("4.3", Severity.MEDIUM),
        ("10.0", Severity.CRITICAL),
    ]
    assert len({f.dedup_key for f in items}) == 8  # the TLS result is reported twice


def test_tls_result_fields():
    tls = findings(SAMPLE)[0]
    assert (tls.host, tls.hostname, tls.port, tls.protocol) == (
        "10.20.1.10",
        "his-app01.hospital.local",
        443,
        "tcp",
    )
    assert tls.tool_rule_id == TLS_OID
    assert tls.cve == ("CVE-2011-3389", "CVE-2015-0204")
    assert (tls.cvss_score, tls.cvss_vector) == (4.3, "AV:N/AC:M/Au:N/C:P/I:N/A:N")
    assert tls.description.startswith("It was possible to detect the usage of the deprecated TLSv1.0")
    assert "\n\nThe TLSv1.0 and TLSv1.1 protocols contain known cryptographic flaws" in tls.description
    assert tls.evidence.startswith("In addition to TLSv1.2+ the service is also providing")
    assert tls.solution.startswith("It is recommended to disable the deprecated")
    assert tls.references == ("https://ssl-config.mozilla.org/", "https://datatracker.ietf.org/doc/rfc8996/")
    assert tls.dedup_key == dedup_key("openvas", TLS_OID, "10.20.1.10", 443, "tcp", "")


def test_pseudo_ports_ipv6_cdata_and_v3_vectors():
    items = {f.tool_rule_id.rsplit(".", 1)[1]: f for f in findings(SAMPLE)}
    eol = items["103674"]
    assert (eol.port, eol.protocol, eol.service) == (None, "tcp", "general")
    icmp = items["103190"]
    assert (icmp.port, icmp.protocol, icmp.severity, icmp.hostname) == (None, "icmp", Severity.LOW, "")
    cpe = items["810002"]
    assert (cpe.port, cpe.protocol, cpe.service, cpe.severity) == (None, "", "general/CPE-T", Severity.INFO)
    assert items["810676"].cvss_vector == "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert items["810676"].evidence == ""
    assert items["103551"].evidence.startswith("检验科 LIS 数据库可以使用弱口令登录：\n用户名：root")
    assert (items["108440"].host, items["108440"].port) == ("2001:db8:10::25", 80)


def test_reexport_keeps_keys(tmp_path):
    later = rewrite(
        SAMPLE,
        tmp_path / "later.xml",
        ("2024-03-06T02:31:17Z", "2024-06-06T02:31:17Z"),
        ("<scan_start>2024-03-06T02:00:16Z", "<scan_start>2024-06-06T02:00:16Z"),
        ("EOL date:          2024-06-30", "EOL date:          2024-06-30 (passed)"),
    )
    assert [f.dedup_key for f in findings(later)] == [f.dedup_key for f in findings(SAMPLE)]


def test_gmp_response_wrapper_is_accepted(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    wrapped = tmp_path / "gmp.xml"
    wrapped.write_text(f'<get_reports_response status="200" status_text="OK">{text}</get_reports_response>')
    assert [f.dedup_key for f in findings(wrapped)] == [f.dedup_key for f in findings(SAMPLE)]
