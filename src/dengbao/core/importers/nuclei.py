"""Nuclei ``-jsonl`` output (one result per line), and the ``-json-export`` array of the same objects.

Identity: template id (+ matcher name, since one template can match several ways)
+ the matched location without query values. The IP nuclei resolved is not part of
it: behind a CDN it changes between runs while the finding does not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from . import fields, severity
from .base import Importer
from .errors import ImportFormatError
from .jsonstream import JsonCursor
from .model import Finding, Record, dedup_key
from .sniff import Head

TOOL = "nuclei"
_ID = re.compile(r'"template-?id"\s*:', re.IGNORECASE)
_HOST_PORT = re.compile(r"^\[?([^\]/]+?)\]?:(\d+)$")


def _sniff(head: Head) -> bool:
    return head.kind == "json" and bool(_ID.search(head.text))


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    first = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    stream.seek(0)
    if first == b"[":
        return _parse_array(stream, source)
    return _parse_lines(stream, source)


def _parse_lines(stream: BinaryIO, source: str) -> Iterator[Record]:
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        where = f"第 {number} 行"
        try:
            result = json.loads(raw.decode("utf-8"))
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
        yield _finding(result, source, where, number)


def _parse_array(stream: BinaryIO, source: str) -> Iterator[Record]:
    cursor = JsonCursor(stream, source=source)
    for index, _ in enumerate(cursor.array_items(), start=1):
        yield _finding(cursor.value(), source, f"第 {index} 个结果", None)
    cursor.end()


def _finding(result: Any, source: str, where: str, line: int | None) -> Finding:
    def fail(reason: str) -> ImportFormatError:
        return ImportFormatError(reason, source=source, where=where, line=line)

    if not isinstance(result, dict):
        raise fail("应为一个 JSON 对象（Nuclei 的一条结果）")
    template = _text(result.get("template-id") or result.get("templateID"))
    if not template:
        raise fail("缺少 template-id，这不像 Nuclei 的输出")
    info = result.get("info") if isinstance(result.get("info"), dict) else {}
    raw = _text(info.get("severity")).lower() or "unknown"
    level = severity.NUCLEI.get(raw)
    if level is None:
        raise fail(f"info.severity 是 {raw!r}，应为 critical/high/medium/low/info/unknown")
    matched = _text(result.get("matched-at") or result.get("matched") or result.get("host"))
    host, hostname, port, url = _place(matched, result)
    if not host:
        raise fail("缺少 matched-at 与 host，无法确定受影响的目标")
    matcher = _text(result.get("matcher-name"))
    rule = f"{template}:{matcher}" if matcher else template
    classification = info.get("classification") if isinstance(info.get("classification"), dict) else {}
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


def _place(matched: str, result: Mapping[str, Any]) -> tuple[str, str, int | None, str]:
    """(host, hostname, port, url) from matched-at: a URL, "host:port" or a bare name."""
    ip = fields.host(_text(result.get("ip")))
    if "://" in matched:
        name, port = fields.url_host_port(matched)
        url = matched
    else:
        match = _HOST_PORT.match(matched)
        name, port = (
            (fields.host(match.group(1)), int(match.group(2))) if match else (fields.host(matched), None)
        )
        url = ""
    if port is None and _text(result.get("port")).isdigit():
        port = int(_text(result.get("port")))
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


IMPORTER = Importer(format=TOOL, label="Nuclei（-jsonl）", sniff=_sniff, parse=parse)
