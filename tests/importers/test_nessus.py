"""Nessus v2: exact values from the hospital sample, and stable identities across re-exports."""

from __future__ import annotations

import re

from dengbao.core.importers import Severity, dedup_key

from .conftest import SAMPLES, by_severity, findings, rewrite

SAMPLE = SAMPLES / "nessus_hospital.nessus"


def test_counts_severities_and_hosts():
    items = findings(SAMPLE)
    assert len(items) == 17
    assert by_severity(items) == {"INFO": 5, "LOW": 2, "MEDIUM": 7, "HIGH": 1, "CRITICAL": 2}
    assert [h for h in dict.fromkeys(f.host for f in items)] == [
        "10.20.1.10",
        "10.20.1.20",
        "pacs.hospital.local",  # no host-ip: the ReportHost name stands in
        "2001:db8:10::25",  # host-ip "2001:DB8:10:0:0:0:0:25" in canonical form
    ]
    assert {f.hostname for f in items} == {
        "his-app01.hospital.local",
        "his-db01",
        "pacs.hospital.local",
        "pacs-web.hospital.local",
    }


def test_ms17_010_item():
    (item,) = [f for f in findings(SAMPLE) if f.tool_rule_id == "97833"]
    assert item.severity is Severity.CRITICAL and item.raw_severity == "4"
    assert (item.host, item.port, item.protocol, item.service) == ("10.20.1.20", 445, "tcp", "cifs")
    assert item.cve == tuple(f"CVE-2017-0{n}" for n in range(143, 149))
    assert item.cvss_score == 8.1
    assert item.cvss_vector == "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert item.title.startswith("MS17-010: Security Update for Microsoft Windows SMB Server")
    assert item.references == ("https://technet.microsoft.com/library/security/MS17-010",)
    assert item.dedup_key == dedup_key("nessus", "97833", "10.20.1.20", 445, "tcp")


def test_general_port_cvss_preference_cwe_and_cdata():
    items = {(f.host, f.tool_rule_id, f.port): f for f in findings(SAMPLE)}
    general = items["10.20.1.10", "19506", None]
    assert (general.service, general.protocol, general.severity) == ("general", "tcp", Severity.INFO)
    assert general.solution == ""  # "n/a" is no advice
    icmp = items["10.20.1.20", "10114", None]
    assert (icmp.protocol, icmp.cve, icmp.cvss_score, icmp.severity) == (
        "icmp",
        ("CVE-1999-0524",),
        2.1,
        Severity.LOW,
    )
    openssh = items["10.20.1.10", "178916", 22]
    assert (openssh.cvss_score, openssh.cvss_vector[:8]) == (9.8, "CVSS:3.0")  # v3 preferred over v2 10.0
    php = items["10.20.1.10", "142591", 443]
    assert (php.cvss_score, php.cwe, php.cve) == (7.5, (327,), ("CVE-2020-7069", "CVE-2020-7070"))
    assert items["10.20.1.10", "85582", 80].cwe == (693,)  # from <xref>CWE:693</xref>
    cert = items["10.20.1.10", "51192", 443]
    assert "<First>, the top of the chain is not a recognized authority & the chain" in cert.description
    assert cert.description.startswith("The SSL certificate for this service cannot be trusted.\n\n")
    assert "O=某某市人民医院/CN=医院内部 CA" in cert.evidence
    weak_kex = items["10.20.1.10", "153953", 22]
    assert weak_kex.references == (
        "https://datatracker.ietf.org/doc/html/rfc9142",
        "https://datatracker.ietf.org/doc/html/rfc8732",
    )
    listener = items["10.20.1.20", "10144", 1433]
    assert (listener.description, listener.solution) == ("", "")
    assert listener.evidence == "The remote SQL Server version is 11.0.2100.60."
    dicom = items["pacs.hospital.local", "900104", 104]
    assert dicom.title == "DICOM 服务允许未认证的 C-FIND 查询"


def test_duplicate_item_in_one_file_shares_its_key():
    items = findings(SAMPLE)
    keys = [f.dedup_key for f in items]
    assert len(set(keys)) == 16
    tls = [f for f in items if f.tool_rule_id == "104743"]
    assert len(tls) == 2 and tls[0].dedup_key == tls[1].dedup_key
    assert tls[0].evidence != tls[1].evidence


def test_keys_distinct_for_distinct_host_or_port():
    items = findings(SAMPLE)
    general = [f for f in items if f.tool_rule_id == "19506"]
    assert len({f.dedup_key for f in general}) == 3  # same plugin on three hosts
    ssh = [f.dedup_key for f in items if f.host == "10.20.1.10" and f.port == 22]
    assert len(ssh) == len(set(ssh)) == 3
    assert dedup_key("nessus", "104743", "10.20.1.10", 443, "tcp") != dedup_key(
        "nessus", "104743", "10.20.1.10", 8443, "tcp"
    )


def test_reexport_with_new_times_and_plugin_output_keeps_every_key(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    changed = re.sub(
        r"<plugin_output>.*?</plugin_output>",
        "<plugin_output>rescan 2024-06-05</plugin_output>",
        text,
        flags=re.S,
    )
    changed = changed.replace("Tue Mar  5", "Wed Jun  5")
    assert changed != text
    later = tmp_path / "later.nessus"
    later.write_text(changed, encoding="utf-8")
    before, after = findings(SAMPLE), findings(later)
    assert [f.dedup_key for f in before] == [f.dedup_key for f in after]
    assert [f.evidence for f in after] == ["rescan 2024-06-05" if f.evidence else "" for f in before]


def test_a_host_that_lost_its_fqdn_keeps_its_keys(tmp_path):
    later = rewrite(
        SAMPLE, tmp_path / "nofqdn.nessus", ('<tag name="host-fqdn">his-app01.hospital.local</tag>\n', "")
    )
    keys = {f.dedup_key for f in findings(later) if f.host == "10.20.1.10"}
    assert keys == {f.dedup_key for f in findings(SAMPLE) if f.host == "10.20.1.10"}
