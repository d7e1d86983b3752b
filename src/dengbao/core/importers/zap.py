"""OWASP ZAP reports, XML (OWASPZAPReport/site/alerts/alertitem) and traditional JSON
(site[].alerts[].instances[]): one Finding per alert instance.

Identity: alert reference (or plugin id) + method + URL without query values + parameter.
Attack strings and evidence vary between scans and are kept as evidence only.

Coverage: every site the report lists (alerts or not), with every alert rule: a ZAP
report is the picture of each site it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from . import fields, severity
from .base import Importer
from .coverage import Coverage
from .errors import ImportFormatError
from .jsonstream import JsonCursor
from .model import Finding, Record, dedup_key
from .sniff import Head
from .xmlsafe import START, XmlRecords

TOOL = "zap"
ROOTS = ("OWASPZAPReport",)
_JSON_MARKS = ('"@programName"', '"@generated"')

Fail = Callable[[str], ImportFormatError]


def _sniff(head: Head) -> bool:
    if head.kind == "xml":
        return head.root in ROOTS
    return (
        head.kind == "json"
        and head.text.lstrip().startswith("{")
        and any(m in head.text for m in _JSON_MARKS)
    )


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    first = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    stream.seek(0)
    sites: set[str] = set()
    records = _parse_json(stream, source, sites) if first == b"{" else _parse_xml(stream, source, sites)
    for record in records:
        if isinstance(record, Finding) and record.host:
            sites.add(record.host)
        yield record
    if sites:
        yield Coverage(TOOL, hosts=frozenset(sites))


def _parse_xml(stream: BinaryIO, source: str, sites: set[str]) -> Iterator[Record]:
    label = "ZAP XML 报告"
    reader = XmlRecords(stream, source=source, roots=ROOTS, records=frozenset({"alertitem"}), label=label)
    site: dict[str, str] = {}
    for event, elem in reader:
        if event == START:
            if elem.tag == "site":
                site = {f"@{k}": v for k, v in elem.attrib.items()}
                if site.get("@host"):
                    sites.add(fields.host(site["@host"]))
            continue
        alert: dict[str, Any] = {
            child.tag: (child.text or "").strip() for child in elem if child.tag != "instances"
        }
        alert["instances"] = [_xml_instance(i) for i in elem.iterfind("instances/instance")]
        yield from _findings(alert, site, reader.error)


def _xml_instance(elem: Element) -> dict[str, str]:
    return {child.tag: (child.text or "").strip() for child in elem}


def _parse_json(stream: BinaryIO, source: str, sites: set[str]) -> Iterator[Record]:
    cursor = JsonCursor(stream, source=source)
    seen_site = False
    for key in cursor.object_keys():
        if key != "site":
            cursor.skip()
            continue
        seen_site = True
        for _ in cursor.array_items():
            yield from _json_site(cursor, sites)
    if not seen_site:
        raise ImportFormatError("不是 ZAP 的 JSON 报告：顶层没有 site 列表", source=source)
    cursor.end()


def _json_site(cursor: JsonCursor, sites: set[str]) -> Iterator[Finding]:
    site: dict[str, str] = {}
    for key in cursor.object_keys():
        if key != "alerts":
            value = cursor.value()
            site[key] = value if isinstance(value, str) else str(value)[:1000]
            if key == "@host" and site[key]:
                sites.add(fields.host(site[key]))
            continue
        for index, _ in enumerate(cursor.array_items(), start=1):
            alert = cursor.value()
            if not isinstance(alert, dict):
                raise cursor.error(f"site 的第 {index} 个 alert 不是 JSON 对象")
            yield from _findings(alert, site, cursor.error)


def _findings(alert: Mapping[str, Any], site: Mapping[str, str], fail: Fail) -> Iterator[Finding]:
    plugin = _text(alert.get("pluginid"))
    rule = _text(alert.get("alertRef")) or plugin
    title = _text(alert.get("alert")) or _text(alert.get("name"))
    if not rule or not title:
        raise fail("alert 缺少 pluginid 或 alert（告警名称）")
    raw = _text(alert.get("riskcode"))
    level = severity.ZAP.get(raw)
    if level is None:
        raise fail(f"告警 {title[:80]!r} 的 riskcode 是 {raw[:40]!r}，应为 0–3")
    instances = alert.get("instances") or [{"uri": site.get("@name", "")}]
    if not isinstance(instances, list):
        raise fail(f"告警 {title[:80]!r} 的 instances 不是列表")
    description, solution = fields.plain(_text(alert.get("desc"))), fields.plain(_text(alert.get("solution")))
    references = tuple(fields.plain(_text(alert.get("reference"))).split())
    for instance in instances:
        if not isinstance(instance, Mapping):
            raise fail(f"告警 {title[:80]!r} 的 instances 中有不是对象的项")
        uri, method, param = (_text(instance.get(k)) for k in ("uri", "method", "param"))
        try:
            host, port = fields.url_host_port(uri) if "://" in uri else ("", None)
            port = port or fields.port(site.get("@port", ""), what="site 的 @port")
        except fields.BadPort as exc:
            raise fail(str(exc)) from None
        host = host or fields.host(site.get("@host", ""))
        yield Finding(
            title=title,
            severity=level,
            raw_severity=_text(alert.get("riskdesc")) or raw,
            tool=TOOL,
            tool_rule_id=rule,
            dedup_key=dedup_key(TOOL, rule, method.upper(), fields.url_identity(uri), param),
            host=host,
            hostname="" if fields.is_ip(host) else host,
            port=port,
            protocol="tcp" if port else "",
            url=uri,
            parameter=param,
            cwe=fields.cwes(_text(alert.get("cweid"))),
            description=description,
            evidence=_evidence(instance),
            solution=solution,
            references=references,
        )


def _evidence(instance: Mapping[str, Any]) -> str:
    parts = (("", "evidence"), ("攻击载荷：", "attack"), ("", "otherinfo"))
    return "\n".join(f"{label}{_text(instance.get(k))}" for label, k in parts if _text(instance.get(k)))


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


IMPORTER = Importer(
    format=TOOL, label="OWASP ZAP（XML 或 JSON 报告）", sniff=_sniff, parse=parse, roots=ROOTS
)
