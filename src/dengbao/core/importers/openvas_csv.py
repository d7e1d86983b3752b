"""Greenbone/OpenVAS "CSV Results" reports: one row per result.

Identity is the XML importer's (NVT OID + host + port + protocol, pseudo ports such as
``general/tcp`` kept whole) under the tool name "openvas", so CSV and XML imports of one
scan reconcile with each other. Severity is the CVSS column, banded; without it, the
Severity word (High/Medium/Low/Log). Coverage: the hosts the file lists, every NVT.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from . import fields, severity
from .base import Importer
from .coverage import Coverage
from .csvtext import Cells, CsvFile, has_columns, pick
from .errors import ImportFormatError
from .model import Finding, Record, Severity, dedup_key
from .openvas import port_of
from .sniff import Head

TOOL = "openvas"
FORMAT = "openvas-csv"
COLUMNS = {
    "ip": ("IP", "Host"),
    "hostname": ("Hostname",),
    "port": ("Port",),
    "protocol": ("Port Protocol",),
    "cvss": ("CVSS", "Severity Score"),
    "severity": ("Severity", "Threat"),
    "name": ("NVT Name", "Name"),
    "summary": ("Summary",),
    "result": ("Specific Result",),
    "oid": ("NVT OID", "OID"),
    "cves": ("CVEs", "CVE"),
    "impact": ("Impact",),
    "solution": ("Solution",),
    "insight": ("Vulnerability Insight",),
    "method": ("Vulnerability Detection Method",),
    "references": ("Other References",),
}
_LOG = {"log": Severity.INFO, "false positive": Severity.INFO, "debug": Severity.INFO}


def _sniff(head: Head) -> bool:
    return head.kind == "text" and has_columns(head.text, ("NVT OID", "OID"), ("IP", "Host"), ("NVT Name",))


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    table = CsvFile(stream, source)
    columns = pick(table.header, COLUMNS)
    missing = [COLUMNS[f][0] for f in ("ip", "oid") if f not in columns]
    if missing:
        shown = "、".join(h.strip() for h in table.header if h.strip())[:200] or "（空）"
        reason = f"不是 OpenVAS 的 CSV Results 报告：表头缺少 {'、'.join(missing)} 列；第一行是：{shown}"
        raise ImportFormatError(reason, source=source, where="第 1 行")
    hosts: set[str] = set()
    for line, cells in table.rows():
        finding = _finding(Cells(cells, columns), table, line)
        hosts.add(finding.host)
        yield finding
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts))


def _finding(row: Cells, table: CsvFile, line: int) -> Finding:
    oid = row["oid"]
    if not oid:
        raise table.error("NVT OID 为空", line)
    address = fields.host(row["ip"])
    if not address:
        raise table.error("IP 为空", line)
    port_text = row["port"] or "general"
    protocol_text = row["protocol"] or ("" if "/" in port_text else "tcp")
    try:
        port, protocol, service = port_of(f"{port_text}/{protocol_text}" if protocol_text else port_text)
    except fields.BadPort as exc:
        raise table.error(str(exc), line) from None
    level, raw = _severity(row, table, line)
    summary, insight = row["summary"], row["insight"]
    return Finding(
        title=row["name"] or oid,
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=oid,
        dedup_key=dedup_key(TOOL, oid, address, port, protocol, service),
        host=address,
        hostname=fields.host(row["hostname"]) if row["hostname"] else "",
        port=port,
        protocol=protocol,
        service=service,
        cve=fields.cves(row["cves"]),
        cvss_score=fields.score(row["cvss"]),
        description="\n\n".join(t for t in (summary, insight) if t),
        evidence=row["result"],
        solution=row["solution"],
        references=tuple(r for r in fields.split_list(row["references"]) if "://" in r),
    )


def _severity(row: Cells, table: CsvFile, line: int) -> tuple[Severity, str]:
    text = row["cvss"]
    if text:
        score = fields.score(text)
        if score is None:
            raise table.error(f"CVSS 是 {text[:40]!r}，应为 0–10 的分值", line)
        return severity.from_cvss(score), text
    word = row["severity"]
    level = severity.from_word(word) or _LOG.get(word.lower())
    if level is None:
        raise table.error(f"既没有 CVSS 分值，Severity {word[:40]!r} 也无法识别", line)
    return level, word


IMPORTER = Importer(
    format=FORMAT, label="OpenVAS/Greenbone CSV Results", sniff=_sniff, parse=parse, tool=TOOL
)
