"""Nessus and Tenable CSV exports: one row per plugin result (and per CVE of it).

Nessus writes a plugin result with several CVEs as several rows that differ only in the
CVE column; consecutive rows of one result are merged here, so a plugin with 150 CVEs
is one finding with 150 CVEs. Column names of Nessus ("Plugin ID", "Host", "Risk") and of
Tenable.sc/Tenable VM ("Plugin", "IP Address", "Severity") are both understood.

Identity is the .nessus importer's: plugin id + host + port + protocol, under the tool
name "nessus", so CSV and .nessus imports of one scan reconcile with each other.
Coverage: the hosts the file lists, with every plugin (a CSV export carries no policy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from . import fields, severity
from .base import Importer
from .coverage import Coverage
from .csvtext import Cells, CsvFile, has_columns, pick
from .errors import ImportFormatError
from .model import Finding, Record, dedup_key
from .nessus import join_synopsis
from .sniff import Head

TOOL = "nessus"
FORMAT = "nessus-csv"
_CWE_XREF = re.compile(r"CWE\s*[#:]\s*(\d+)", re.IGNORECASE)
COLUMNS = {
    "plugin": ("Plugin ID", "Plugin", "PluginID"),
    "name": ("Name", "Plugin Name"),
    "risk": ("Risk", "Severity", "Risk Factor"),
    "host": ("Host", "IP Address", "IP"),
    "hostname": ("DNS Name", "FQDN", "NetBIOS Name"),
    "protocol": ("Protocol",),
    "port": ("Port",),
    "cve": ("CVE", "CVEs"),
    "cvss": (
        "CVSS v4.0 Base Score",
        "CVSS v3.0 Base Score",
        "CVSS V3 Base Score",
        "CVSS v2.0 Base Score",
        "CVSS V2 Base Score",
        "CVSS",
    ),
    "vector": ("CVSS v3.0 Vector", "CVSS V3 Vector", "CVSS v2.0 Vector", "CVSS V2 Vector"),
    "synopsis": ("Synopsis",),
    "description": ("Description",),
    "solution": ("Solution",),
    "see_also": ("See Also",),
    "output": ("Plugin Output", "Plugin Text"),
    "xref": ("XREF", "Cross References"),
    "service": ("Service", "svc_name"),
}


def _sniff(head: Head) -> bool:
    return head.kind == "text" and has_columns(
        head.text, ("Plugin ID", "Plugin"), ("Host", "IP Address"), ("Risk", "Severity", "Risk Factor")
    )


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    table = CsvFile(stream, source)
    columns = pick(table.header, COLUMNS)
    missing = [COLUMNS[f][0] for f in ("plugin", "host", "risk") if f not in columns]
    if missing:
        shown = "、".join(h.strip() for h in table.header if h.strip())[:200] or "（空）"
        reason = f"不是 Nessus 的 CSV 导出：表头缺少 {'、'.join(missing)} 列；第一行是：{shown}"
        raise ImportFormatError(reason, source=source, where="第 1 行")
    hosts: set[str] = set()
    pending: tuple[Finding, str] | None = None  # the result being gathered, and its plugin output
    for line, cells in table.rows():
        row = Cells(cells, columns)
        finding = _finding(row, table, line)
        hosts.add(finding.host)
        if pending is not None:
            first, output = pending
            if (
                first.dedup_key == finding.dedup_key
                and output == row["output"]
                and first.title == finding.title
            ):
                pending = (_merged(first, finding), output)
                continue
            yield first
        pending = (finding, row["output"])
    if pending is not None:
        yield pending[0]
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts))


def _merged(first: Finding, more: Finding) -> Finding:
    """The rows of one result (one per CVE) as one finding with all their CVEs and references."""
    from dataclasses import replace

    cves = tuple(dict.fromkeys((*first.cve, *more.cve)))
    references = tuple(dict.fromkeys((*first.references, *more.references)))
    cwes = tuple(dict.fromkeys((*first.cwe, *more.cwe)))
    return replace(first, cve=cves, references=references, cwe=cwes)


def _finding(row: Cells, table: CsvFile, line: int) -> Finding:
    plugin = row["plugin"]
    if not plugin.isdigit():
        raise table.error(f"Plugin ID 是 {plugin[:40]!r}，应为数字", line)
    address = fields.host(row["host"])
    if not address:
        raise table.error("Host（主机）为空", line)
    raw = row["risk"]
    level = severity.from_word(raw) if raw else severity.Severity.INFO
    if level is None:
        raise table.error(f"Risk 是 {raw[:40]!r}，应为 Critical/High/Medium/Low/None", line)
    port_text = row["port"]
    if not port_text.isdigit() or int(port_text) > 65535:
        if port_text:
            raise table.error(f"Port 是 {port_text[:40]!r}，应为 0–65535 的整数", line)
    port = int(port_text) if port_text.isdigit() else None
    port = port or None
    protocol = row["protocol"].lower()[:8]
    hostname = fields.host(row["hostname"]) if row["hostname"] else ("" if fields.is_ip(address) else address)
    synopsis, description = row["synopsis"], row["description"]
    solution = row["solution"]
    return Finding(
        title=row["name"] or f"Nessus {plugin}",
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=plugin,
        dedup_key=dedup_key(TOOL, plugin, address, port, protocol),
        host=address,
        hostname="" if fields.is_ip(hostname) else hostname,
        port=port,
        protocol=protocol,
        service=row["service"],
        cve=fields.cves(row["cve"]),
        cwe=fields.cwes(*_CWE_XREF.findall(row["xref"])),  # "CWE:79" (Nessus), "CWE #310" (Tenable.sc)
        cvss_score=fields.score(row["cvss"]),
        cvss_vector=row["vector"],
        description=join_synopsis(synopsis, description),
        evidence=row["output"],
        solution="" if solution.lower() == "n/a" else solution,
        references=tuple(row["see_also"].split()),
    )


IMPORTER = Importer(format=FORMAT, label="Nessus/Tenable CSV 导出", sniff=_sniff, parse=parse, tool=TOOL)
