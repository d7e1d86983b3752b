"""Qualys VM XML: the scan results (``<SCAN>``, scan-1.dtd) and the scan report
(``<ASSET_DATA_REPORT>``, asset_data_report.dtd).

Identity: QID + host + port + protocol. Severity 5 → 严重, 4 → 高, 3 → 中, 2 → 低,
1 → 信息; information-gathered items (INFO, SERVICE, type Ig) are 信息 whatever their level.
In a scan report, items whose status is Fixed are not findings: they are covered, so an
open finding for them closes. The report's vulnerability texts sit in a glossary at its
end, so it is read twice (the glossary first, then the hosts) rather than held whole.

Coverage: every host the file lists, with every QID. Scan results whose STATUS is not
FINISHED are incomplete.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element

from . import fields
from .base import Importer
from .coverage import Coverage, Incomplete
from .errors import ImportFormatError
from .model import Finding, Record, Severity, dedup_key
from .sniff import Head, read_head
from .xmlsafe import END, XmlRecords, child_text, children_text

TOOL = "qualys"
ROOTS = ("SCAN", "ASSET_DATA_REPORT")
_DTDS = frozenset(ROOTS)
LEVELS = {
    "5": Severity.CRITICAL,
    "4": Severity.HIGH,
    "3": Severity.MEDIUM,
    "2": Severity.LOW,
    "1": Severity.INFO,
}
_ITEMS = {"VULN": False, "PRACTICE": False, "INFO": True, "SERVICE": True}  # tag → information only


def _sniff(head: Head) -> bool:
    return head.kind == "xml" and head.root in ROOTS


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    try:
        root = read_head(stream).root
    except ImportFormatError as exc:
        raise exc.located(source=source) from None
    stream.seek(0)
    yield from (_report(stream, source) if root == "ASSET_DATA_REPORT" else _scan(stream, source))


def _reader(stream: BinaryIO, source: str, records: set[str]) -> XmlRecords:
    label = "Qualys XML"
    return XmlRecords(
        stream, source=source, roots=ROOTS, records=frozenset(records), label=label, named_dtds=_DTDS
    )


# ---- scan results: <SCAN><HEADER/><IP value= name=><VULNS><CAT port= protocol=><VULN number= severity=>


def _scan(stream: BinaryIO, source: str) -> Iterator[Record]:
    reader = _reader(stream, source, {"HEADER", "IP"})
    hosts: set[str] = set()
    for event, elem in reader:
        if event != END:
            continue
        if elem.tag == "HEADER":
            keys = {k.get("value", ""): (k.text or "").strip() for k in elem.iterfind("KEY")}
            status = keys.get("STATUS", "")
            if status and status.upper() != "FINISHED":
                yield Incomplete(f"Qualys 扫描状态为 {status[:40]}（未完成），本次导入不关闭任何漏洞")
            continue
        address = fields.host(elem.get("value", ""))
        if not address:
            raise reader.error("IP 元素缺少 value 属性（主机地址）")
        hosts.add(address)
        hostname = elem.get("name", "").strip()
        hostname = "" if hostname in ("", "No registered hostname") or fields.is_ip(hostname) else hostname
        for section in elem:
            for cat in section.iterfind("CAT"):
                port, protocol = _port(cat.get("port", ""), cat.get("protocol", ""), reader)
                for item in cat:
                    if item.tag in _ITEMS:
                        yield _scan_item(item, address, fields.host(hostname), port, protocol, reader)
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts))


def _scan_item(
    item: Element, address: str, hostname: str, port: int | None, protocol: str, reader: XmlRecords
) -> Finding:
    qid = item.get("number", "").strip()
    if not qid.isdigit():
        raise reader.error(f"{item.tag} 的 number 属性（QID）是 {qid[:40]!r}，应为数字")
    raw = item.get("severity", "").strip()
    level = Severity.INFO if _ITEMS[item.tag] else LEVELS.get(raw)
    if level is None:
        raise reader.error(f"{item.tag} {qid} 的 severity 是 {raw[:40]!r}，应为 1–5")
    score = fields.score(child_text(item, "CVSS3_BASE")) or fields.score(child_text(item, "CVSS_BASE"))
    return Finding(
        title=child_text(item, "TITLE") or f"Qualys QID {qid}",
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=qid,
        dedup_key=dedup_key(TOOL, qid, address, port, protocol),
        host=address,
        hostname=hostname,
        port=port,
        protocol=protocol,
        cve=fields.cves(item.get("cveid", ""), *children_text(item, "CVE_ID_LIST/CVE_ID/ID")),
        cvss_score=score,
        description=_texts(item, "DIAGNOSIS", "CONSEQUENCE"),
        evidence=fields.plain(child_text(item, "RESULT")),
        solution=fields.plain(child_text(item, "SOLUTION")),
        references=_references(item),
    )


def _port(port: str, protocol: str, reader: XmlRecords) -> tuple[int | None, str]:
    try:
        number = fields.port(port, what="CAT 的 port 属性")
    except fields.BadPort as exc:
        raise reader.error(str(exc)) from None
    return number, protocol.strip().lower()[:8] if number else ""


def _references(elem: Element) -> tuple[str, ...]:
    urls = children_text(elem, "CVE_ID_LIST/CVE_ID/URL")
    urls += children_text(elem, "VENDOR_REFERENCE_LIST/VENDOR_REFERENCE/URL")
    return tuple(dict.fromkeys(urls))


def _texts(elem: Element, *tags: str) -> str:
    return "\n\n".join(fields.plain(t) for t in (child_text(elem, tag) for tag in tags) if t)


# ---- scan report: <ASSET_DATA_REPORT><HOST_LIST><HOST>…<VULN_INFO>…</HOST_LIST><GLOSSARY>…


@dataclass(frozen=True, slots=True)
class _Details:
    title: str
    severity: str
    cves: tuple[str, ...]
    score: float | None
    vector: str
    description: str
    solution: str
    references: tuple[str, ...]


def _report(stream: BinaryIO, source: str) -> Iterator[Record]:
    glossary: dict[str, _Details] = {}
    reader = _reader(stream, source, {"VULN_DETAILS", "HOST"})
    for event, elem in reader:
        if event == END and elem.tag == "VULN_DETAILS":
            qid = child_text(elem, "QID") or elem.get("id", "").removeprefix("qid_")
            glossary[qid] = _details(elem)
    stream.seek(0)
    reader = _reader(stream, source, {"HOST"})
    hosts: set[str] = set()
    for event, elem in reader:
        if event != END:
            continue
        address = fields.host(child_text(elem, "IP"))
        if not address:
            raise reader.error("HOST 缺少 IP（主机地址）", child="IP")
        hosts.add(address)
        hostname = child_text(elem, "DNS") or child_text(elem, "NETBIOS")
        hostname = "" if fields.is_ip(hostname) else fields.host(hostname) if hostname else ""
        for info in elem.iterfind("VULN_INFO_LIST/VULN_INFO"):
            if child_text(info, "VULN_STATUS").lower() == "fixed":
                continue  # covered and gone: an open finding for it closes
            yield _report_item(info, glossary, address, hostname, reader)
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts))


def _details(elem: Element) -> _Details:
    score = fields.score(child_text(elem, "CVSS3_SCORE/CVSS3_BASE")) or fields.score(
        child_text(elem, "CVSS_SCORE/CVSS_BASE")
    )
    return _Details(
        title=child_text(elem, "TITLE"),
        severity=child_text(elem, "SEVERITY"),
        cves=fields.cves(*children_text(elem, "CVE_ID_LIST/CVE_ID/ID")),
        score=score,
        vector=child_text(elem, "CVSS3_SCORE/CVSS3_VECTOR") or child_text(elem, "CVSS_SCORE/CVSS_VECTOR"),
        description=_texts(elem, "THREAT", "IMPACT"),
        solution=fields.plain(child_text(elem, "SOLUTION")),
        references=_references(elem),
    )


def _report_item(
    info: Element, glossary: dict[str, _Details], address: str, hostname: str, reader: XmlRecords
) -> Finding:
    qid = child_text(info, "QID")
    if not qid.isdigit():
        raise reader.error(f"VULN_INFO 的 QID 是 {qid[:40]!r}，应为数字", child="VULN_INFO/QID")
    details = glossary.get(qid) or _Details(f"Qualys QID {qid}", "", (), None, "", "", "", ())
    kind = child_text(info, "TYPE").lower()
    level = Severity.INFO if kind == "ig" else LEVELS.get(details.severity)
    if level is None:
        reason = f"QID {qid} 在术语表（GLOSSARY）中没有 1–5 的 SEVERITY"
        raise reader.error(reason, child="VULN_INFO")
    port, protocol = _port(child_text(info, "PORT"), child_text(info, "PROTOCOL"), reader)
    score = fields.score(child_text(info, "CVSS3_FINAL")) or fields.score(child_text(info, "CVSS_FINAL"))
    return Finding(
        title=details.title or f"Qualys QID {qid}",
        severity=level,
        raw_severity=details.severity,
        tool=TOOL,
        tool_rule_id=qid,
        dedup_key=dedup_key(TOOL, qid, address, port, protocol),
        host=address,
        hostname=fields.host(child_text(info, "FQDN")) or hostname,
        port=port,
        protocol=protocol,
        service=child_text(info, "SERVICE")[:64],
        cve=details.cves,
        cvss_score=score if score is not None else details.score,
        cvss_vector=details.vector,
        description=details.description,
        evidence=fields.plain(child_text(info, "RESULT")),
        solution=details.solution,
        references=details.references,
    )


IMPORTER = Importer(
    format=TOOL, label="Qualys XML（扫描结果或扫描报告）", sniff=_sniff, parse=parse, roots=ROOTS
)
