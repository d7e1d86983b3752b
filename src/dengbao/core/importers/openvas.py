"""OpenVAS / Greenbone XML report (GMP ``get_reports`` or the report export): report/results/result.

Identity: NVT OID + host + port. The result's <description> is the detection output
(installed versions, banners) and becomes evidence; the NVT's summary and insight
tags are the description. Severity is the result's CVSS score, banded.

Coverage: the hosts the report lists (its ``host`` entries, else the hosts of its results)
with every NVT — at the severity levels the report's filter kept (``levels=hml`` leaves
Log results out, so stored 信息 findings are not judged). A scan whose
``scan_run_status`` is not Done is incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element

from . import fields, severity
from .base import Importer
from .coverage import Coverage, Incomplete
from .model import Finding, Record, Severity, dedup_key
from .sniff import Head
from .xmlsafe import END, XmlRecords, child_text

TOOL = "openvas"
ROOTS = ("report", "get_reports_response")
_PROTOCOLS = {"tcp", "udp", "icmp", "sctp"}
_PORT = re.compile(r"(\d+)/(\w+)")
_THREATS = {
    "alarm": Severity.HIGH,
    "debug": Severity.INFO,
    "false positive": Severity.INFO,
    "error": Severity.INFO,
}


def _sniff(head: Head) -> bool:
    return head.kind == "xml" and head.root in ROOTS


_RECORDS = frozenset({"result", "host", "scan_run_status", "filters"})
# the filter's level letters → platform severities (h is CVSS 7+, which 严重 is part of)
LEVELS = {"h": ("严重", "高"), "m": ("中",), "l": ("低",), "g": ("信息",), "f": ("信息",)}
_LEVELS_TERM = re.compile(r"(?:^|\s)levels=([a-z]+)")


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    label = "OpenVAS/Greenbone XML 报告"
    reader = XmlRecords(stream, source=source, roots=ROOTS, records=_RECORDS, label=label)
    listed: set[str] = set()
    seen: set[str] = set()
    severities: frozenset[str] | None = None
    for event, elem in reader:
        if event != END:
            continue
        if elem.tag == "result":
            if "/results" in reader.path:
                finding = _finding(elem, reader)
                seen.add(finding.host)
                yield finding
        elif elem.tag == "host":
            address = fields.host(child_text(elem, "ip") or (elem.text or ""))
            if address:
                listed.add(address)
        elif elem.tag == "scan_run_status":
            status = (elem.text or "").strip()
            if status and status.lower() != "done":
                yield Incomplete(f"OpenVAS 扫描状态为 {status[:40]}（未完成），本次导入不关闭任何漏洞")
        elif elem.tag == "filters":
            severities = _levels(child_text(elem, "term")) or severities
    hosts = listed or seen
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts), severities=severities)


def _levels(term: str) -> frozenset[str] | None:
    match = _LEVELS_TERM.search(term)
    if not match:
        return None
    return frozenset(level for letter in match.group(1) for level in LEVELS.get(letter, ()))


def _finding(result: Element, reader: XmlRecords) -> Finding:
    nvt = result.find("nvt")
    oid = nvt.get("oid", "").strip() if nvt is not None else ""
    if nvt is None or not oid:
        raise reader.error("result 缺少 nvt 元素或其 oid 属性")
    host_elem = result.find("host")
    address = fields.host((host_elem.text or "") if host_elem is not None else "")
    if not address:
        raise reader.error("result 缺少 host（主机地址）", child="host")
    hostname = fields.host(child_text(host_elem, "hostname")) if host_elem is not None else ""
    port_text = child_text(result, "port")
    try:
        port, protocol, service = port_of(port_text)
    except fields.BadPort as exc:
        raise reader.error(str(exc), child="port") from None
    level, raw = _severity(result, reader)
    tags = _tags(child_text(nvt, "tags"))
    refs = nvt.find("refs")
    cve_refs = [r.get("id", "") for r in refs.iterfind("ref[@type='cve']")] if refs is not None else []
    urls = [r.get("id", "") for r in refs.iterfind("ref[@type='url']")] if refs is not None else []
    return Finding(
        title=child_text(result, "name") or child_text(nvt, "name") or oid,
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=oid,
        dedup_key=dedup_key(TOOL, oid, address, port, protocol, service),
        host=address,
        hostname=hostname,
        port=port,
        protocol=protocol,
        service=service,
        cve=fields.cves(*cve_refs, child_text(nvt, "cve")),
        cvss_score=fields.score(child_text(result, "severity")),
        cvss_vector=_vector(nvt, tags),
        description="\n\n".join(t for t in (tags.get("summary", ""), tags.get("insight", "")) if t),
        evidence=child_text(result, "description"),
        solution=child_text(nvt, "solution") or tags.get("solution", ""),
        references=tuple(u for u in urls if u),
    )


def port_of(text: str) -> tuple[int | None, str, str]:
    """(port, protocol, service) from "443/tcp", "general/tcp", "general/icmp" or "package"."""
    match = _PORT.fullmatch(text)
    if match:
        return fields.port(match.group(1)), match.group(2).lower()[:8], ""
    name, _, protocol = text.partition("/")
    if protocol.lower() in _PROTOCOLS:
        return None, protocol.lower(), name
    return None, "", text  # "general/CPE-T", "package": pseudo ports, kept whole


def _severity(result: Element, reader: XmlRecords) -> tuple[Severity, str]:
    text = child_text(result, "severity")
    if text:
        try:
            return severity.from_cvss(float(text)), text
        except ValueError:
            raise reader.error(f"severity 是 {text!r}，应为 CVSS 分值（如 7.5）", child="severity") from None
    threat = child_text(result, "threat")
    level = severity.from_word(threat) or _THREATS.get(threat.lower())
    if level is None:
        raise reader.error("result 既没有 severity 分值也没有可识别的 threat", child="threat")
    return level, threat


def _tags(text: str) -> dict[str, str]:
    """NVT tags: "cvss_base_vector=AV:N/…|summary=…|solution=…"."""
    pairs = (part.partition("=") for part in text.split("|"))
    return {key.strip(): value.strip() for key, sep, value in pairs if sep}


def _vector(nvt: Element, tags: dict[str, str]) -> str:
    for sev in nvt.iterfind("severities/severity"):
        value = child_text(sev, "value")
        if value:
            return value
    return tags.get("cvss_base_vector", "")


IMPORTER = Importer(format=TOOL, label="OpenVAS/Greenbone XML", sniff=_sniff, parse=parse, roots=ROOTS)
