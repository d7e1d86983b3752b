"""Acunetix / AWVS XML export: ScanGroup/Scan/ReportItems/ReportItem, one finding per item.

Identity: the check (ModuleName, else Name) + the scan's site + the affected path + the
parameter. Items Acunetix itself marked false positive are skipped with a warning.

Coverage: each scan's start URL host with every check; an aborted scan
(``<Aborted>True``) is incomplete and closes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from . import fields
from .base import Importer
from .coverage import Coverage, Incomplete
from .model import Finding, Record, RecordWarning, Severity, dedup_key
from .sniff import Head
from .xmlsafe import END, XmlRecords, child_text, children_text

TOOL = "acunetix"
ROOTS = ("ScanGroup",)
_RECORDS = frozenset({"ReportItem", "StartURL", "Aborted"})
# Acunetix severities; "info" and "informational" both occur across versions
SEVERITY = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
    "informational": Severity.INFO,
}


def _sniff(head: Head) -> bool:
    return head.kind == "xml" and head.root in ROOTS


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    reader = XmlRecords(stream, source=source, roots=ROOTS, records=_RECORDS, label="Acunetix XML 导出")
    start = ""
    sites: set[str] = set()
    for event, elem in reader:
        if event != END:
            if elem.tag == "Scan":
                start = ""
            continue
        if elem.tag == "StartURL":
            start = (elem.text or "").strip()
            try:
                host, _ = fields.url_host_port(start) if "://" in start else (fields.host(start), None)
            except fields.BadPort as exc:
                raise reader.error(str(exc)) from None
            if host:
                sites.add(host)
        elif elem.tag == "Aborted":
            if (elem.text or "").strip().lower() == "true":
                yield Incomplete("Acunetix 扫描被中止（Aborted），本次导入不关闭任何漏洞")
        elif elem.tag == "ReportItem":
            yield _item(elem, start, reader)
    if sites:
        yield Coverage(TOOL, hosts=frozenset(sites))


def _item(item: Element, start: str, reader: XmlRecords) -> Finding | RecordWarning:
    name = child_text(item, "Name")
    check = child_text(item, "ModuleName") or name
    if not name:
        raise reader.error("ReportItem 缺少 Name（漏洞名称）", child="Name")
    if child_text(item, "IsFalsePositive").lower() == "true":
        return RecordWarning(f"“{name[:80]}”被 Acunetix 标记为误报，已跳过", where=f"元素 {reader.path}")
    raw = child_text(item, "Severity").lower()
    level = SEVERITY.get(raw)
    if level is None:
        raise reader.error(f"Severity 是 {raw[:40]!r}，应为 high/medium/low/info", child="Severity")
    affects = child_text(item, "Affects")
    if "://" in affects:
        url = affects
    elif affects.startswith("/") and start:
        url = urljoin(start, affects)
    else:  # "Web Server" and other site-wide places
        url = start
    try:
        host, port = fields.url_host_port(url) if "://" in url else (fields.host(url), None)
    except fields.BadPort as exc:
        raise reader.error(str(exc), child="Affects") from None
    parameter = child_text(item, "Parameter")
    cvss = item.find("CVSS3") if item.find("CVSS3") is not None else item.find("CVSS")
    vector = ""
    if cvss is not None:
        vector = cvss.get("Descriptor", "") or child_text(cvss, "Descriptor")
    details = fields.plain(child_text(item, "Details"))
    request = child_text(item, "TechnicalDetails/Request")
    return Finding(
        title=name,
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=check[:200],
        dedup_key=dedup_key(TOOL, check, fields.url_identity(start), affects, parameter),
        host=host,
        hostname="" if fields.is_ip(host) else host,
        port=port,
        protocol="tcp" if port else "",
        url=url,
        parameter=parameter,
        cve=fields.cves(*children_text(item, "CVEList/CVE/Id"), *children_text(item, "CVEList/CVE")),
        cwe=fields.cwes(*(c.get("id", "") or (c.text or "") for c in item.iterfind("CWEList/CWE"))),
        cvss_score=fields.score(child_text(cvss, "Score")) if cvss is not None else None,
        cvss_vector=vector,
        description=fields.plain(
            "\n\n".join(t for t in (child_text(item, "Description"), child_text(item, "Impact")) if t)
        ),
        evidence="\n\n".join(t for t in (details, request) if t),
        solution=fields.plain(child_text(item, "Recommendation")),
        references=tuple(u for u in children_text(item, "References/Reference/URL") if u),
    )


IMPORTER = Importer(format=TOOL, label="Acunetix/AWVS XML", sniff=_sniff, parse=parse, roots=ROOTS)
