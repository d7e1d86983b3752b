"""xray (长亭) JSON output: ``--json-output`` (an array of vulnerabilities), and the same objects
one per line or wrapped as webhook events (``{"type": "web_vuln", "data": {…}}``).

Identity: plugin + the vulnerable URL without query values (or host:port for a service
vulnerability) + the parameter. Severity is ``detail.extra.level`` when xray gives one,
else by plugin (``PLUGIN_LEVELS``); xray itself rates few of its plugins.

Coverage: like Nuclei, the output lists only what was found, so only plugins that appear
in the file count as having run, on the hosts that appear in it. An empty file or ``[]``
is a run that found nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from . import fields
from .base import Importer
from .coverage import Coverage, Incomplete, rule_group
from .errors import ImportFormatError
from .jsonstream import JsonCursor, Truncated, loads
from .limits import MAX_RECORD_BYTES
from .model import Finding, Record, RecordWarning, Severity, dedup_key
from .severity import NUCLEI as LEVEL_WORDS
from .sniff import Head

TOOL = "xray"
# plugin (first path segment) → severity when the result carries none; own judgement, see the guide
PLUGIN_LEVELS = {
    "sqldet": Severity.HIGH,
    "cmd-injection": Severity.HIGH,
    "xxe": Severity.HIGH,
    "ssrf": Severity.HIGH,
    "path-traversal": Severity.HIGH,
    "upload": Severity.HIGH,
    "struts": Severity.HIGH,
    "thinkphp": Severity.HIGH,
    "fastjson": Severity.HIGH,
    "shiro": Severity.HIGH,
    "brute-force": Severity.HIGH,
    "phantasm": Severity.HIGH,
    "xss": Severity.MEDIUM,
    "redirect": Severity.MEDIUM,
    "crlf-injection": Severity.MEDIUM,
    "jsonp": Severity.MEDIUM,
    "dirscan": Severity.LOW,
    "baseline": Severity.LOW,
}
_VULN_TYPES = {"web_vuln", "service_vuln", "vuln"}
_SKIPPED_TYPES = {"web_statistic", "statistic", "subdomain"}


def _sniff(head: Head) -> bool:
    text = head.text
    return head.kind == "json" and '"plugin"' in text and ('"detail"' in text or '"web_vuln"' in text)


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    first = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    stream.seek(0)
    items = _array(stream, source) if first == b"[" else _lines(stream, source)
    hosts: set[str] = set()
    plugins: set[str] = set()
    for record in items:
        if isinstance(record, Finding):
            hosts.update(h for h in (record.host, record.hostname) if h)
            plugins.add(rule_group(TOOL, record.tool_rule_id))
        yield record
    if hosts:
        yield Coverage(TOOL, hosts=frozenset(hosts), rules=frozenset(plugins))


def _array(stream: BinaryIO, source: str) -> Iterator[Record]:
    """The array's results; an array cut at its end (xray interrupted) keeps its complete results."""
    cursor = JsonCursor(stream, source=source)
    index = 0
    try:
        for index, _ in enumerate(cursor.array_items(), start=1):
            record = _record(cursor.value(), source, f"第 {index} 个结果")
            if record is not None:
                yield record
        cursor.end()
    except Truncated as exc:
        kept = index - 1 if "意外结束" in exc.reason else index
        reason = f"文件在第 {kept} 个完整结果之后结束，缺少结尾的 ]（xray 被中断）：已导入这 {kept} 个结果"
        yield RecordWarning(reason, where=exc.where)
        yield Incomplete("xray 扫描被中断，本次导入不关闭任何漏洞")


def _lines(stream: BinaryIO, source: str) -> Iterator[Record]:
    number = 0
    while raw := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        where = f"第 {number} 行"
        if len(raw) > MAX_RECORD_BYTES:
            raise ImportFormatError("这一行超过记录大小上限", source=source, where=where, line=number)
        if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
            continue
        try:
            value = loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ImportFormatError(
                "不是有效的 UTF-8 编码", source=source, where=where, line=number
            ) from None
        except json.JSONDecodeError as exc:
            reason = f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）"
            raise ImportFormatError(reason, source=source, where=where, line=number) from None
        except ValueError as exc:
            raise ImportFormatError(str(exc), source=source, where=where, line=number) from None
        record = _record(value, source, where)
        if record is not None:
            yield record


def _record(value: Any, source: str, where: str) -> Finding | RecordWarning | None:
    def fail(reason: str) -> ImportFormatError:
        return ImportFormatError(reason, source=source, where=where)

    if not isinstance(value, dict):
        raise fail("应为一个 JSON 对象（xray 的一条结果）")
    kind = _text(value.get("type"))
    if isinstance(value.get("data"), dict) and kind:
        if kind in _SKIPPED_TYPES:
            return None
        if kind not in _VULN_TYPES:
            return RecordWarning(f"xray 事件类型 {kind[:40]!r} 不是漏洞，已跳过", where=where)
        value = value["data"]
    plugin = _text(value.get("plugin"))
    if not plugin:
        raise fail("缺少 plugin，这不像 xray 的漏洞输出")
    detail = _mapping(value.get("detail"))
    target = _mapping(value.get("target"))
    extra = _mapping(detail.get("extra"))
    try:
        host, port, url = _place(detail, target)
    except fields.BadPort as exc:
        raise fail(str(exc)) from None
    if not host:
        return RecordWarning(
            f"插件 {plugin[:80]} 的结果没有 addr、url 或 host，无法确定目标，已跳过", where=where
        )
    level, raw = _severity(plugin, extra)
    param = _param(detail, extra, target)
    place = fields.url_identity(url) if url else f"{host}:{port or ''}"
    title = _text(extra.get("title")) or _text(detail.get("title")) or _text(extra.get("name")) or plugin
    return Finding(
        title=title if title == plugin else f"{title}（{plugin}）",
        severity=level,
        raw_severity=raw,
        tool=TOOL,
        tool_rule_id=plugin[:200],
        dedup_key=dedup_key(TOOL, plugin, place, param),
        host=host,
        hostname="" if fields.is_ip(host) else host,
        port=port,
        protocol="tcp" if port else "",
        url=url,
        parameter=param,
        cve=fields.cves(plugin, *_strings(extra.get("links")), *_strings(extra.get("cve"))),
        description=_text(extra.get("description")) or _text(value.get("vuln_class")),
        evidence=_evidence(detail),
        references=tuple(link for link in _strings(extra.get("links")) if "://" in link),
    )


def _place(detail: Mapping[str, Any], target: Mapping[str, Any]) -> tuple[str, int | None, str]:
    """(host, port, url) from detail.addr / detail.url / target.url, else target or detail host and port."""
    for value in (detail.get("addr"), detail.get("url"), target.get("url")):
        text = _text(value)
        if "://" in text:
            host, port = fields.url_host_port(text)
            return host, port, text
    for source in (target, detail):
        name = _text(source.get("host")) or _text(source.get("addr"))
        if name:
            host, _, given = name.rpartition(":") if name.count(":") == 1 else (name, "", "")
            port = fields.port(given or _text(source.get("port")), what="port")
            return fields.host(host), port, ""
    return "", None, ""


def _severity(plugin: str, extra: Mapping[str, Any]) -> tuple[Severity, str]:
    raw = _text(extra.get("level") or extra.get("severity")).lower()
    if raw in LEVEL_WORDS:
        return LEVEL_WORDS[raw], raw
    head = plugin.partition("/")[0]
    if head.startswith("poc-"):
        head = "phantasm"
    return PLUGIN_LEVELS.get(head, Severity.MEDIUM), raw


def _param(detail: Mapping[str, Any], extra: Mapping[str, Any], target: Mapping[str, Any]) -> str:
    param = extra.get("param") or detail.get("param")
    if isinstance(param, Mapping):
        return _text(param.get("key"))[:200]
    params = target.get("params")
    if isinstance(params, list) and params and isinstance(params[0], Mapping):
        path = params[0].get("path")
        return ".".join(_strings(path))[:200] if isinstance(path, list) else _text(path)[:200]
    return ""


def _evidence(detail: Mapping[str, Any]) -> str:
    parts = []
    payload = _text(detail.get("payload"))
    if payload:
        parts.append(f"攻击载荷：{payload}")
    snapshot = detail.get("snapshot")
    if isinstance(snapshot, list) and snapshot:
        pair = snapshot[0]
        request = pair[0] if isinstance(pair, list) and pair else pair
        parts.append(_text(request))
    else:  # xray 0.x: request, or request1, request2 … for multi-step checks
        parts.append(_text(detail.get("request")) or _text(detail.get("request1")))
    return "\n\n".join(p for p in parts if p)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(i).strip() for i in items if isinstance(i, str | int | float) and str(i).strip())


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None else str(value).strip()


IMPORTER = Importer(format=TOOL, label="xray JSON（--json-output）", sniff=_sniff, parse=parse, empty_ok=True)
