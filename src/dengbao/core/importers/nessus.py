"""Nessus v2 (.nessus): NessusClientData_v2/Report/ReportHost/ReportItem.

Identity of a finding: plugin id + host address + port + protocol. ``plugin_output``
changes on every scan (dates, banners, counters), so it is evidence, never identity.
Port 0 is Nessus' "general/tcp" (host-level) and becomes ``port=None``.

Coverage: every ReportHost (Nessus lists each host it scanned, findings or not), and on
it the plugins of the policy's ``plugin_set`` when the export carries it (else every plugin).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element

from . import fields, severity
from .base import Importer
from .coverage import Coverage
from .errors import ImportFormatError
from .model import Finding, Record, dedup_key
from .sniff import Head
from .xmlsafe import START, XmlRecords, child_text, children_text

TOOL = "nessus"
ROOTS = ("NessusClientData_v2",)
_RECORDS = frozenset({"HostProperties", "ReportItem", "preference"})
_CVSS = (("cvss4_base_score", "cvss4_vector"), ("cvss3_base_score", "cvss3_vector"))
_CVSS2 = ("cvss_base_score", "cvss_vector")


@dataclass(frozen=True, slots=True)
class _Host:
    address: str  # host-ip when the scan recorded it, else the ReportHost name
    hostname: str


def _sniff(head: Head) -> bool:
    if head.kind == "xml" and head.root == "NessusClientData":
        raise ImportFormatError("这是旧版 Nessus v1 格式；请在 Nessus 中导出 .nessus（v2）格式")
    return head.kind == "xml" and head.root in ROOTS


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    reader = XmlRecords(stream, source=source, roots=ROOTS, records=_RECORDS, label="Nessus .nessus v2")
    name = ""
    host: _Host | None = None
    plugins: frozenset[str] | None = None
    hosts: set[str] = set()
    reported: set[str] = set()
    for event, elem in reader:
        if event == START:
            if elem.tag == "ReportHost":
                name = elem.get("name", "").strip()
                if not name:
                    raise reader.error("ReportHost 缺少 name 属性（主机名或 IP）")
                host = _Host(fields.host(name), "" if fields.is_ip(name) else fields.host(name))
                hosts.add(host.address)
                yield Coverage(TOOL, hosts=frozenset({host.address}), rules=plugins)
            continue
        if elem.tag == "preference":
            if child_text(elem, "name") == "plugin_set":
                ids = frozenset(
                    p.strip() for p in child_text(elem, "value").split(";") if p.strip().isdigit()
                )
                plugins = ids or None
            continue
        if host is None:
            raise reader.error(f"{elem.tag} 不在任何 ReportHost 之内")
        if elem.tag == "HostProperties":
            host = _host_properties(elem, name)
            hosts.add(host.address)
            yield Coverage(TOOL, hosts=frozenset({host.address}), rules=plugins)
        else:
            finding = _finding(elem, host, reader)
            reported.add(finding.tool_rule_id)
            yield finding
    if plugins is not None and reported - plugins:  # a plugin that reported ran, listed or not
        yield Coverage(TOOL, hosts=frozenset(hosts), rules=frozenset(reported - plugins))


def _host_properties(elem: Element, name: str) -> _Host:
    props = {tag.get("name", ""): (tag.text or "").strip() for tag in elem.iterfind("tag")}
    address = props.get("host-ip") or name
    hostname = props.get("host-fqdn") or props.get("host-rdns") or ("" if fields.is_ip(name) else name)
    hostname = hostname or props.get("netbios-name", "")
    if fields.is_ip(hostname):
        hostname = ""
    return _Host(fields.host(address), fields.host(hostname) if hostname else "")


def _finding(item: Element, host: _Host, reader: XmlRecords) -> Finding:
    plugin_id = item.get("pluginID", "").strip()
    if not plugin_id:
        raise reader.error("ReportItem 缺少 pluginID 属性")
    raw = item.get("severity", "").strip()
    level = severity.NESSUS.get(raw)
    if level is None:
        raise reader.error(f"ReportItem 的 severity 属性是 {raw!r}，应为 0–4 之一")
    port_text = item.get("port", "0").strip()
    if not port_text.isdigit() or int(port_text) > 65535:
        raise reader.error(f"ReportItem 的 port 属性是 {port_text[:40]!r}，应为 0–65535 的整数")
    port = int(port_text) or None
    protocol = item.get("protocol", "").strip().lower()
    score, vector = _cvss(item)
    xrefs = children_text(item, "xref")
    synopsis, description = child_text(item, "synopsis"), child_text(item, "description")
    solution = child_text(item, "solution")
    return Finding(
        title=item.get("pluginName", "").strip() or child_text(item, "plugin_name") or f"Nessus {plugin_id}",
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=plugin_id,
        dedup_key=dedup_key(TOOL, plugin_id, host.address, port, protocol),
        host=host.address,
        hostname=host.hostname,
        port=port,
        protocol=protocol,
        service=item.get("svc_name", "").strip(),
        cve=fields.cves(*children_text(item, "cve")),
        cwe=fields.cwes(*children_text(item, "cwe"), *(x[4:] for x in xrefs if x.upper().startswith("CWE:"))),
        cvss_score=score,
        cvss_vector=vector,
        description=join_synopsis(synopsis, description),
        evidence=child_text(item, "plugin_output"),
        solution="" if solution.lower() == "n/a" else solution,
        references=tuple(line for text in children_text(item, "see_also") for line in text.split()),
    )


def join_synopsis(synopsis: str, description: str) -> str:
    """The synopsis (one line) above the description, without repeating it."""
    if not synopsis or synopsis == description:
        return description
    return f"{synopsis}\n\n{description}" if description else synopsis


def _cvss(item: Element) -> tuple[float | None, str]:
    """The newest CVSS version the item carries (v4, then v3, then v2)."""
    for score_tag, vector_tag in (*_CVSS, _CVSS2):
        score = fields.score(child_text(item, score_tag))
        if score is not None:
            return score, child_text(item, vector_tag)
    return None, ""


IMPORTER = Importer(format=TOOL, label="Nessus（.nessus v2）", sniff=_sniff, parse=parse, roots=ROOTS)
