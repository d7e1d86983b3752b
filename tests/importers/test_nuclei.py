"""Nuclei JSONL: template + matcher + location identity, old and new key shapes."""

from __future__ import annotations

import json

from dengbao.core.importers import Severity, dedup_key

from .conftest import SAMPLES, by_severity, findings

SAMPLE = SAMPLES / "nuclei_portal.jsonl"


def test_counts_and_severities():
    items = findings(SAMPLE)
    assert len(items) == 9  # the blank line is skipped
    assert by_severity(items) == {"CRITICAL": 2, "HIGH": 1, "LOW": 1, "INFO": 5}
    assert len({f.dedup_key for f in items}) == 8


def test_log4j_result():
    log4j = findings(SAMPLE)[0]
    assert (log4j.tool_rule_id, log4j.severity, log4j.raw_severity) == (
        "CVE-2021-44228",
        Severity.CRITICAL,
        "critical",
    )
    assert (log4j.host, log4j.hostname, log4j.port, log4j.protocol) == (
        "203.0.113.10",
        "portal.hospital.example",
        443,
        "tcp",
    )
    assert (log4j.cve, log4j.cwe, log4j.cvss_score) == (("CVE-2021-44228",), (117, 502), 10.0)
    assert log4j.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
    assert log4j.url.startswith("https://portal.hospital.example/api/login?username=${jndi:")
    assert log4j.solution.startswith("Upgrade to Log4j 2.3.1")
    assert log4j.evidence == "portal-app-02"
    assert log4j.dedup_key == dedup_key(
        "nuclei", "CVE-2021-44228", "https://portal.hospital.example/api/login?username"
    )


def test_same_finding_through_another_cdn_node_and_payload_is_a_duplicate():
    items = findings(SAMPLE)
    first, again = items[0], items[-1]
    assert first.host != again.host  # 203.0.113.10 vs .11
    assert first.url != again.url  # different OAST payload
    assert first.dedup_key == again.dedup_key


def test_matchers_network_ssl_ipv6_and_loose_shapes():
    items = findings(SAMPLE)
    headers = [f for f in items if f.tool_rule_id.startswith("http-missing-security-headers")]
    assert [f.tool_rule_id.split(":")[1] for f in headers] == ["x-frame-options", "content-security-policy"]
    assert headers[0].dedup_key != headers[1].dedup_key
    mysql = next(f for f in items if f.tool_rule_id == "mysql-detect")
    assert (mysql.host, mysql.port, mysql.url, mysql.evidence) == ("10.20.1.30", 3306, "", "5.7.29-log")
    ssl = next(f for f in items if f.tool_rule_id == "weak-cipher-suites:tls-1.0")
    assert (ssl.severity, ssl.cve, ssl.cwe) == (Severity.LOW, (), (200,))
    assert ssl.references == ("https://www.acunetix.com/vulnerabilities/web/tls-ssl-weak-cipher-suites/",)
    spring = next(f for f in items if f.tool_rule_id == "springboot-env")
    assert (spring.host, spring.port, spring.cvss_score, spring.cwe) == ("2001:db8:10::25", 8080, 7.5, (200,))
    assert spring.title == "Spring Boot Actuator - 环境变量泄露"
    assert spring.dedup_key == dedup_key(
        "nuclei", "springboot-env", "http://[2001:db8:10::25]:8080/actuator/env"
    )
    unknown = next(f for f in items if f.tool_rule_id == "openssh-detect")
    assert (unknown.severity, unknown.raw_severity, unknown.port) == (Severity.INFO, "unknown", 22)


def test_json_export_array_gives_the_same_findings(tmp_path):
    lines = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    array = tmp_path / "export.json"
    array.write_text(json.dumps(lines, ensure_ascii=False, indent=2), encoding="utf-8")
    assert findings(array) == findings(SAMPLE)


def test_old_key_names(tmp_path):
    old = tmp_path / "old.jsonl"
    old.write_text(
        json.dumps(
            {
                "templateID": "git-config",
                "info": {"name": "Git Config", "severity": "medium"},
                "matched": "http://10.20.1.10/.git/config",
                "host": "http://10.20.1.10",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    (item,) = findings(old, "nuclei")
    assert (item.tool_rule_id, item.host, item.port, item.severity) == (
        "git-config",
        "10.20.1.10",
        80,
        Severity.MEDIUM,
    )
