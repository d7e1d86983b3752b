"""Nuclei v3 output: javascript and dns results without host/matched-at, warnings, coverage, empty runs."""

from __future__ import annotations

import json

import pytest

from dengbao.core.importers import Coverage, Finding, ImportFormatError, RecordWarning, Severity, parse

from .conftest import SAMPLES

V3 = SAMPLES / "nuclei_v3_27.jsonl"


def _lines() -> list[dict]:
    return [json.loads(line) for line in V3.read_text(encoding="utf-8").splitlines()]


def _write(tmp_path, results: list[dict], name: str = "n.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in results), encoding="utf-8")
    return path


def test_all_27_results_import_the_three_without_host_from_ip_and_request():
    records = list(parse(V3))
    items = [r for r in records if isinstance(r, Finding)]
    assert len(items) == 27 and not [r for r in records if isinstance(r, RecordWarning)]
    mysql, ssh, dns = items[-3:]
    assert (mysql.tool_rule_id, mysql.severity, mysql.host, mysql.port) == (
        "mysql-default-login",
        Severity.CRITICAL,
        "192.0.2.20",
        3306,
    )
    assert (ssh.host, ssh.port) == ("192.0.2.21", 22)
    assert (dns.host, dns.hostname, dns.port) == (
        "intranet.hospital.example",
        "intranet.hospital.example",
        None,
    )
    assert len({f.dedup_key for f in items}) == 26  # the open redirect with two query values is one finding
    log4j = next(f for f in items if f.tool_rule_id == "CVE-2021-44228")
    assert log4j.cve == ("CVE-2021-44228",) and log4j.cwe == (20, 917) and log4j.cvss_score == 10.0
    assert (log4j.host, log4j.hostname, log4j.port) == ("192.0.2.11", "his.hospital.example", 8443)


def test_coverage_is_the_templates_and_hosts_of_the_file():
    (coverage,) = [r for r in parse(V3) if isinstance(r, Coverage)]
    assert coverage.tool == "nuclei" and coverage.rules is not None
    assert {"http-missing-security-headers", "mysql-default-login", "dns-rebinding"} <= coverage.rules
    assert "http-missing-security-headers:x-frame-options" not in coverage.rules  # templates, not matchers
    assert {"192.0.2.20", "portal.hospital.example", "intranet.hospital.example"} <= coverage.hosts


def test_a_result_with_no_target_at_all_is_skipped_with_a_numbered_place(tmp_path):
    results = _lines()
    for key in ("ip", "port", "response"):
        results[25].pop(key, None)  # ssh-password-auth: nothing says where
    records = list(parse(_write(tmp_path, results)))
    assert len([r for r in records if isinstance(r, Finding)]) == 26
    (warning,) = [r for r in records if isinstance(r, RecordWarning)]
    assert warning.where == "第 26 行"
    assert "ssh-password-auth（javascript）" in warning.reason and "已跳过" in warning.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"port": "99999", "host": "192.0.2.20", "matched-at": "192.0.2.20"}, "port 字段 '99999' 无效"),
        ({"matched-at": "192.0.2.20:99999"}, "matched-at 中的端口 '99999' 无效"),
        ({"matched-at": "https://portal.hospital.example:0/"}, "中的端口 '0' 无效"),
        ({"matched-at": "https://portal.hospital.example:70000/x"}, "中的端口 '70000' 无效"),
    ],
)
def test_ports_outside_1_65535_are_refused_with_the_line(tmp_path, change, reason):
    results = _lines()
    results[3].update(change)
    with pytest.raises(ImportFormatError) as caught:
        list(parse(_write(tmp_path, results), "nuclei"))
    assert caught.value.where == "第 4 行" and reason in caught.value.reason


def test_empty_output_and_blank_lines_are_a_run_that_found_nothing(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert list(parse(empty, "nuclei")) == []
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n\n")
    assert list(parse(blank, "nuclei")) == []
