"""nmap XML: service observations for the inventory, NSE vulners/vuln output as findings."""

from __future__ import annotations

from dengbao.core.importers import ServiceObservation, Severity, dedup_key

from .conftest import SAMPLES, by_severity, findings, rewrite, services

SAMPLE = SAMPLES / "nmap_hospital.xml"


def test_every_listed_port_of_up_hosts_is_observed():
    seen = services(SAMPLE)
    assert [(s.host, s.port, s.protocol, s.state) for s in seen] == [
        ("10.20.1.10", 22, "tcp", "open"),
        ("10.20.1.10", 80, "tcp", "open"),
        ("10.20.1.10", 443, "tcp", "open"),
        ("10.20.1.10", 8080, "tcp", "filtered"),
        ("10.20.1.20", 135, "tcp", "open"),
        ("10.20.1.20", 445, "tcp", "open"),
        ("10.20.1.20", 1433, "tcp", "open"),
        ("10.20.1.20", 3389, "tcp", "open"),
        ("10.20.1.20", 161, "udp", "open|filtered"),
        ("2001:db8:10::25", 104, "tcp", "open"),
        ("2001:db8:10::25", 8080, "tcp", "open"),
    ]  # 10.20.1.99 is down: nothing from it
    assert seen[0] == ServiceObservation(
        host="10.20.1.10",
        hostname="his-app01.hospital.local",
        port=22,
        protocol="tcp",
        state="open",
        service="ssh",
        product="OpenSSH",
        version="7.4",
        extra="protocol 2.0",
        cpe=("cpe:/a:openbsd:openssh:7.4",),
    )
    mssql = seen[6]
    assert (mssql.hostname, mssql.version) == ("his-db01", "11.00.2100.00; RTM")  # the user-typed name first
    assert mssql.cpe == ("cpe:/a:microsoft:sql_server:2012", "cpe:/o:microsoft:windows")
    assert seen[-1].hostname == "pacs.hospital.local"


def test_vulners_and_vuln_scripts_become_findings():
    items = findings(SAMPLE)
    assert [(f.host, f.port, f.tool_rule_id) for f in items] == [
        ("10.20.1.10", 22, "vulners:CVE-2023-38408"),
        ("10.20.1.10", 22, "vulners:CVE-2020-15778"),
        ("10.20.1.10", 22, "vulners:CVE-2018-15919"),  # the exploit-db entry is not a CVE: skipped
        ("10.20.1.10", 22, "vulners:CVE-2021-36368"),
        ("10.20.1.10", 443, "ssl-heartbleed:CVE-2014-0160"),
        ("10.20.1.20", None, "smb-vuln-ms17-010:CVE-2017-0143"),  # host script; NOT VULNERABLE one skipped
        ("2001:db8:10::25", 8080, "vulners:CVE-2020-1938"),
    ]
    assert by_severity(items) == {"CRITICAL": 2, "HIGH": 3, "MEDIUM": 1, "LOW": 1}
    first = items[0]
    assert (first.title, first.cvss_score, first.cve, first.severity) == (
        "CVE-2023-38408（OpenSSH 7.4）",
        9.8,
        ("CVE-2023-38408",),
        Severity.CRITICAL,
    )
    assert first.dedup_key == dedup_key("nmap", "vulners:CVE-2023-38408", "10.20.1.10", 22, "tcp")
    heartbleed = items[4]
    assert (heartbleed.severity, heartbleed.raw_severity) == (Severity.HIGH, "High")
    assert heartbleed.references[1] == "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2014-0160"
    assert heartbleed.description.startswith("OpenSSL versions 1.0.1 and 1.0.2-beta")
    ms17 = items[5]
    assert ms17.raw_severity == "VULNERABLE" and ms17.severity is Severity.HIGH  # no risk factor elem
    assert ms17.protocol == ""


def test_vulners_text_output_of_old_nmap_versions(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.index('<table key="cpe:/a:openbsd:openssh:7.4">')
    end = text.index("</script>", start)
    old = tmp_path / "old.xml"
    old.write_text(text[:start] + text[end:], encoding="utf-8")
    ssh = [f for f in findings(old) if f.port == 22]
    assert [(f.cve, f.cvss_score) for f in ssh] == [
        (("CVE-2023-38408",), 9.8),
        (("CVE-2020-15778",), 7.8),
        (("CVE-2018-15919",), 5.3),
        (("CVE-2021-36368",), 3.7),
    ]
    assert [f.dedup_key for f in ssh] == [f.dedup_key for f in findings(SAMPLE) if f.port == 22]


def test_rescan_with_other_times_and_output_keeps_keys(tmp_path):
    later = rewrite(
        SAMPLE,
        tmp_path / "later.xml",
        (
            'start="1709602211" startstr="Tue Mar  5 09:30:11 2024"',
            'start="1717550000" startstr="Wed Jun  5 09:13:20 2024"',
        ),
        ('starttime="1709602212" endtime="1709602390"', 'starttime="1717550001" endtime="1717550200"'),
        ("Risk factor: High&#xa;", "Risk factor: High&#xa;  Extra: seen again&#xa;"),
    )
    assert [f.dedup_key for f in findings(later)] == [f.dedup_key for f in findings(SAMPLE)]
