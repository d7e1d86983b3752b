"""nmap XML (``-oX``): every listed port as a ServiceObservation, NSE vulnerabilities as Findings.

Findings come from the ``vulners`` script (one per CVE it lists for a service version)
and from any ``vuln``-category script that reports a table with state VULNERABLE
(port scripts and host scripts alike). Their identity is script + id + host + port.

Coverage: the hosts that were up, on them the port ranges and protocols of the run's
``scaninfo`` elements, and the scripts that ran (named in ``--script`` or seen in the
output; the ``vuln`` or ``all`` category counts as every script). A run that ended in
error (``runstats/finished exit="error"``) is marked incomplete.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple
from xml.etree.ElementTree import Element

from . import fields, severity
from .base import Importer
from .coverage import Coverage, Incomplete, PortRange, PortSet, parse_ranges
from .model import Finding, Record, ServiceObservation, Severity, dedup_key
from .sniff import Head
from .xmlsafe import START, XmlRecords

TOOL = "nmap"
ROOTS = ("nmaprun",)
_VULNERS_LINE = re.compile(r"(CVE-\d{4}-\d{4,})\s+(\d+(?:\.\d+)?)", re.IGNORECASE)


class _Place(NamedTuple):
    host: str
    hostname: str
    port: int | None
    protocol: str


def _sniff(head: Head) -> bool:
    return head.kind == "xml" and head.root in ROOTS


_ALL_SCRIPTS = frozenset({"vuln", "all"})


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    reader = XmlRecords(stream, source=source, roots=ROOTS, records=frozenset({"host"}), label="nmap XML")
    scanned: dict[str, list[PortRange]] = {}
    scripts: set[str] | None = set()
    up: set[str] = set()
    for event, elem in reader:
        if event == START:
            if elem.tag == "nmaprun":
                scripts = _script_args(elem.get("args", ""))
            elif elem.tag == "scaninfo":
                _scaninfo(elem, scanned, reader)
            elif elem.tag == "finished" and elem.get("exit", "success") != "success":
                message = elem.get("errormsg", "") or elem.get("summary", "")
                yield Incomplete(f"nmap 扫描出错结束（{message[:200]}），本次导入不关闭任何端口或漏洞")
            continue
        for record in _host(elem, reader, up):
            if scripts is not None and isinstance(record, Finding):
                scripts.add(record.tool_rule_id.partition(":")[0])
            yield record
    if up:
        rules = None if scripts is None else frozenset(scripts)
        yield Coverage(TOOL, hosts=frozenset(up), ports=PortSet.of(scanned), rules=rules)


def _script_args(args: str) -> set[str] | None:
    """The scripts ``--script`` names; None when it names a category that includes them all."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    names: set[str] = set()
    for index, word in enumerate(words):
        if word.startswith("--script="):
            value = word.partition("=")[2]
        elif word == "--script" and index + 1 < len(words):
            value = words[index + 1]
        else:
            continue
        for name in value.split(","):
            name = name.strip().removesuffix(".nse").rpartition("/")[2]
            if name in _ALL_SCRIPTS:
                return None
            if name:
                names.add(name)
    return names


def _scaninfo(elem: Element, scanned: dict[str, list[PortRange]], reader: XmlRecords) -> None:
    protocol = elem.get("protocol", "").lower()
    services = elem.get("services", "").strip()
    if protocol not in ("tcp", "udp", "sctp") or not services:
        return
    try:
        ranges = parse_ranges(services)
    except ValueError as exc:
        raise reader.error(f"scaninfo 的 services 属性无效：{exc}") from None
    scanned.setdefault(protocol, []).extend(ranges)


def _host(elem: Element, reader: XmlRecords, up: set[str]) -> Iterator[Record]:
    status = elem.find("status")
    if status is not None and status.get("state") != "up":
        return
    address = _address(elem)
    if not address:
        raise reader.error("host 没有 IPv4 或 IPv6 地址（address 元素）")
    hostname = _hostname(elem)
    up.add(address)
    for port in elem.iterfind("ports/port"):
        yield from _port(port, address, hostname, reader)
    for script in elem.iterfind("hostscript/script"):
        yield from _script_findings(script, address, hostname, None, "", "")


def _address(elem: Element) -> str:
    by_type = {a.get("addrtype", ""): a.get("addr", "") for a in reversed(elem.findall("address"))}
    return fields.host(by_type.get("ipv4") or by_type.get("ipv6") or "")


def _hostname(elem: Element) -> str:
    names = elem.findall("hostnames/hostname")
    names.sort(key=lambda n: n.get("type") != "user")  # the name the user typed first, then PTR
    return fields.host(names[0].get("name", "")) if names else ""


def _port(port: Element, address: str, hostname: str, reader: XmlRecords) -> Iterator[Record]:
    portid = port.get("portid", "")
    if not portid.isdigit() or not 0 < int(portid) <= 65535:
        raise reader.error(f"port 的 portid 属性是 {portid[:40]!r}，应为 1–65535 的整数")
    protocol = port.get("protocol", "tcp").lower()[:8]
    state = port.find("state")
    service = port.find("service")
    svc = service.attrib if service is not None else {}
    yield ServiceObservation(
        host=address,
        hostname=hostname,
        port=int(portid),
        protocol=protocol,
        state=state.get("state", "") if state is not None else "",
        service=svc.get("name", ""),
        product=svc.get("product", ""),
        version=svc.get("version", ""),
        extra=svc.get("extrainfo", ""),
        cpe=tuple(c.text.strip() for c in port.iterfind("service/cpe") if c.text),
    )
    label = " ".join(v for v in (svc.get("product", ""), svc.get("version", "")) if v) or svc.get("name", "")
    for script in port.iterfind("script"):
        yield from _script_findings(script, address, hostname, int(portid), protocol, label)


def _script_findings(
    script: Element, address: str, hostname: str, port: int | None, protocol: str, label: str
) -> Iterator[Finding]:
    script_id = script.get("id", "")
    place = _Place(address, hostname, port, protocol)
    if script_id == "vulners":
        for cve, score, cpe in _vulners(script):
            rule = f"vulners:{cve}"
            yield Finding(
                title=f"{cve}（{label}）" if label else cve,
                severity=severity.from_cvss(score),
                raw_severity=str(score),
                tool=TOOL,
                tool_rule_id=rule,
                dedup_key=dedup_key(TOOL, rule, address, port, protocol),
                host=address,
                hostname=hostname,
                port=port,
                protocol=protocol,
                cve=(cve,),
                cvss_score=score,
                description=f"vulners 按服务版本 {cpe or label} 匹配到 {cve}（版本推断，未验证利用）",
                references=(f"https://vulners.com/cve/{cve}",),
            )
        return
    for table in script.iter("table"):
        state = _elem(table, "state").upper()
        if "VULNERABLE" in state and "NOT VULNERABLE" not in state:
            yield _vuln_finding(script_id, table, state, place)


def _vulners(script: Element) -> Iterator[tuple[str, float, str]]:
    """(CVE, CVSS, cpe) from the structured tables, or from the text output of old versions."""
    tables = script.findall("table")
    for cpe_table in tables:
        for entry in cpe_table.iterfind("table"):
            ident, score = _elem(entry, "id"), fields.score(_elem(entry, "cvss"))
            kind = _elem(entry, "type").lower()
            if ident.upper().startswith("CVE-") and kind in ("cve", "") and score is not None:
                yield ident.upper(), score, cpe_table.get("key", "")
    if not tables:
        for cve, score in _VULNERS_LINE.findall(script.get("output", "")):
            yield cve.upper(), float(score), ""


def _vuln_finding(script_id: str, table: Element, state: str, place: _Place) -> Finding:
    ids = [e.text.strip() for e in table.iterfind("table[@key='ids']/elem") if e.text]
    cves = fields.cves(*ids, table.get("key", ""))
    scores = [fields.score(e.text) for e in table.iterfind("table[@key='scores']/elem")]
    score = max((s for s in scores if s is not None), default=None)
    risk = _elem(table, "risk_factor")
    level = severity.from_word(risk) if risk else None
    if level is None:
        level = severity.from_cvss(score) if score is not None else _by_state(state)
    key = cves[0] if cves else table.get("key", "") or _elem(table, "title")
    rule = f"{script_id}:{key}"
    description = "\n".join(
        e.text.strip() for e in table.iterfind("table[@key='description']/elem") if e.text
    )
    return Finding(
        title=_elem(table, "title") or script_id,
        severity=level,
        raw_severity=risk or state,
        tool=TOOL,
        tool_rule_id=rule,
        dedup_key=dedup_key(TOOL, rule, place.host, place.port, place.protocol),
        host=place.host,
        hostname=place.hostname,
        port=place.port,
        protocol=place.protocol,
        cve=cves,
        cvss_score=score,
        description=description,
        evidence=_elem(table, "extra_info") or _elem(table, "check_results"),
        references=tuple(e.text.strip() for e in table.iterfind("table[@key='refs']/elem") if e.text),
    )


def _by_state(state: str) -> Severity:
    """A confirmed VULNERABLE with no rating is treated as 高, a LIKELY one as 中."""
    return Severity.MEDIUM if "LIKELY" in state else Severity.HIGH


def _elem(table: Element, key: str) -> str:
    found = table.find(f"elem[@key='{key}']")
    return (found.text or "").strip() if found is not None else ""


IMPORTER = Importer(format=TOOL, label="nmap XML（-oX）", sniff=_sniff, parse=parse, roots=ROOTS)
