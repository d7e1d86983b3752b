"""Nuclei ``-jsonl`` output (one result per line), and the ``-json-export`` array of the same objects.

Identity: template id (+ matcher name, since one template can match several ways)
+ the matched location without query values. The IP nuclei resolved is not part of
it: behind a CDN it changes between runs while the finding does not.

The target comes from ``matched-at``, else ``host``, ``url``, ``ip``, or the request
(an HTTP ``Host`` header, a DNS question): Nuclei v3's javascript and dns results may
lack the first two. A result with none of them is skipped with a warning.

Coverage: the output lists only what matched, so only templates that appear in the file
count as having run, on the hosts that appear in it. An empty file (0 bytes) is the
output of a run that found nothing; what it covered is what the user declares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from . import fields, severity
from .base import Importer
from .coverage import Coverage
from .errors import ImportFormatError
from .jsonstream import JsonCursor, loads
from .limits import MAX_RECORD_BYTES
from .model import Finding, Record, RecordWarning, dedup_key
from .sniff import Head

TOOL = "nuclei"
_ID = re.compile(r'"template-?id"\s*:', re.IGNORECASE)
_HOST_PORT = re.compile(r"^\[?([^\]/]+?)\]?:(\w*)$")
_HTTP_HOST = re.compile(r"^host:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_DNS_QUESTION = re.compile(r";;\s*QUESTION SECTION:\s*\n;\s*([^\s;]+?)\.?\s+IN\s", re.IGNORECASE)


def _sniff(head: Head) -> bool:
    return head.kind == "json" and bool(_ID.search(head.text))


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    first = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    stream.seek(0)
    results = _parse_array(stream, source) if first == b"[" else _parse_lines(stream, source)
    hosts: set[str] = set()
    templates: set[str] = set()
    for record in results:
        if isinstance(record, Finding):
            hosts.update(h for h in (record.host, record.hostname) if h)
            templates.add(record.tool_rule_id.partition(":")[0])
        yield record
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts), rules=frozenset(templates))


def _parse_lines(stream: BinaryIO, source: str) -> Iterator[Record]:
    number = 0
    while raw := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        where = f"第 {number} 行"
        if len(raw) > MAX_RECORD_BYTES:
            reason = f"这一行超过 {MAX_RECORD_BYTES // 1048576} MB，不像 Nuclei 的一条结果"
            raise ImportFormatError(reason, source=source, where=where, line=number)
        if not raw.strip():
            continue
        try:
            result = loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ImportFormatError(
                "不是有效的 UTF-8 编码", source=source, where=where, line=number
            ) from None
        except json.JSONDecodeError as exc:
            reason = f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）"
            if not raw.endswith(b"\n"):
                reason += "；这一行不完整，文件可能被截断"
            elif raw.strip() in (b"{", b"["):
                reason += "；Nuclei 的 JSONL 每行应是一个完整的 JSON 对象"
            raise ImportFormatError(reason, source=source, where=where, line=number) from None
        except ValueError as exc:  # nesting too deep
            raise ImportFormatError(str(exc), source=source, where=where, line=number) from None
        yield _record(result, source, where, number)


def _parse_array(stream: BinaryIO, source: str) -> Iterator[Record]:
    cursor = JsonCursor(stream, source=source)
    for index, _ in enumerate(cursor.array_items(), start=1):
        yield _record(cursor.value(), source, f"第 {index} 个结果", None)
    cursor.end()


def _object(value: Any) -> dict[str, Any]:
    """A JSON object field, or an empty one when the field is missing or not an object."""
    return value if isinstance(value, dict) else {}


def _record(result: Any, source: str, where: str, line: int | None) -> Finding | RecordWarning:
    def fail(reason: str) -> ImportFormatError:
        return ImportFormatError(reason, source=source, where=where, line=line)

    if not isinstance(result, dict):
        raise fail("应为一个 JSON 对象（Nuclei 的一条结果）")
    template = _text(result.get("template-id") or result.get("templateID"))
    if not template:
        raise fail("缺少 template-id，这不像 Nuclei 的输出")
    info = _object(result.get("info"))
    raw = _text(info.get("severity")).lower() or "unknown"
    level = severity.NUCLEI.get(raw)
    if level is None:
        raise fail(f"info.severity 是 {raw[:40]!r}，应为 critical/high/medium/low/info/unknown")
    matched = _target(result)
    try:
        host, hostname, port, url = _place(matched, result)
    except fields.BadPort as exc:
        raise fail(str(exc)) from None
    if not host:
        kind = _text(result.get("type")) or "?"
        reason = f"模板 {template}（{kind}）的结果没有 matched-at、host、url、ip 或可识别的请求，"
        reason += "无法确定目标，已跳过"
        return RecordWarning(reason, where=where)
    matcher = _text(result.get("matcher-name"))
    rule = f"{template}:{matcher}" if matcher else template
    classification = _object(info.get("classification"))
    return Finding(
        title=_text(info.get("name")) or template,
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=rule,
        dedup_key=dedup_key(TOOL, rule, fields.url_identity(matched) if url else matched.lower()),
        host=host,
        hostname=hostname,
        port=port,
        protocol="udp" if result.get("type") == "udp" else "tcp" if port else "",
        url=url,
        service=_text(result.get("scheme")) if url else "",
        cve=fields.cves(*_strings(classification.get("cve-id"))),
        cwe=fields.cwes(*_strings(classification.get("cwe-id"))),
        cvss_score=fields.score(classification.get("cvss-score")),
        cvss_vector=_text(classification.get("cvss-metrics")),
        description=_text(info.get("description")),
        evidence="\n".join(_strings(result.get("extracted-results"))),
        solution=_text(info.get("remediation")),
        references=_strings(info.get("reference")),
    )


def _target(result: Mapping[str, Any]) -> str:
    """Where it matched: the first of matched-at, host, url, ip, the request's Host or DNS question."""
    for key in ("matched-at", "matched", "host", "url", "ip"):
        value = _text(result.get(key))
        if value:
            return value
    request = _text(result.get("request"))
    for pattern in (_HTTP_HOST, _DNS_QUESTION):
        match = pattern.search(request)
        if match:
            return match.group(1).rstrip(".")
    return ""


def _place(matched: str, result: Mapping[str, Any]) -> tuple[str, str, int | None, str]:
    """(host, hostname, port, url) from matched-at: a URL, "host:port" or a bare name."""
    ip = fields.host(_text(result.get("ip")))
    if "://" in matched:
        name, port = fields.url_host_port(matched)
        url = matched
    else:
        match = _HOST_PORT.match(matched) if not fields.is_ip(matched) else None
        if match:
            name, port = fields.host(match.group(1)), fields.port(match.group(2), what="matched-at 中的端口")
        else:
            name, port = fields.host(matched), None
        url = ""
    if port is None:
        port = fields.port(_text(result.get("port")), what="port 字段")
    hostname = "" if fields.is_ip(name) else name
    return ip or name, hostname, port, url


def _strings(value: object) -> tuple[str, ...]:
    """Nuclei gives lists, single strings or null for the same key across versions."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(item).strip() for item in items if item is not None and str(item).strip())


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


IMPORTER = Importer(format=TOOL, label="Nuclei（-jsonl）", sniff=_sniff, parse=parse, empty_ok=True)
