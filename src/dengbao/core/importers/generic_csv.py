"""Generic CSV: pen-test findings and tools without a parser, one finding per row.

Headers are matched by name in Chinese or English (see ``COLUMNS``); unknown columns
are ignored. Any encoding ``csvtext`` recognises is accepted: UTF-8 with or without BOM,
GB18030 (what Excel on a Chinese Windows saves), cp1252 and the like. Identity: tool +
rule id (or the title when there is none) + host + port + URL without query values + parameter.

Coverage: the hosts the file lists, per tool, with every rule: a re-test sheet lists what
is still there on the hosts it names.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import BinaryIO

from . import fields, severity
from .base import Importer
from .coverage import Coverage
from .csvtext import CsvFile
from .errors import ImportFormatError
from .model import Finding, Record, dedup_key
from .sniff import Head

TOOL = "csv"

# Field → accepted header names. Matching ignores case, spaces, "_", "-" and any (…) note.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "title", "name", "漏洞名称", "名称", "问题名称"),
    "severity": ("严重程度", "severity", "风险等级", "危险等级", "等级", "级别", "risk"),
    "host": ("主机", "host", "ip", "ip地址", "地址", "资产", "目标"),
    "hostname": ("主机名", "hostname", "域名"),
    "port": ("端口", "port"),
    "protocol": ("协议", "protocol"),
    "url": ("url", "网址", "链接"),
    "parameter": ("参数", "parameter", "param"),
    "service": ("服务", "service"),
    "cve": ("cve", "cve编号"),
    "cwe": ("cwe", "cwe编号"),
    "cvss_score": ("cvss", "cvss评分", "cvss分值", "cvssscore"),
    "cvss_vector": ("cvss向量", "cvssvector"),
    "description": ("描述", "description", "漏洞描述", "详情"),
    "steps": ("复现步骤", "steps", "stepstoreproduce", "验证步骤"),
    "evidence": ("证据", "evidence"),
    "solution": ("整改建议", "solution", "修复建议", "remediation", "解决方案", "加固建议"),
    "references": ("参考", "references", "reference", "参考链接"),
    "tool": ("工具", "tool", "来源工具"),
    "rule_id": ("编号", "id", "ruleid", "漏洞编号", "规则编号"),
}
_NOTE = re.compile(r"[（(][^)）]*[)）]")
_IGNORED = re.compile(r"[\s_\-\u3000]+")
_PORT = re.compile(r"(\d+)(?:/(\w+))?")


def _norm(header: str) -> str:
    return _IGNORED.sub("", _NOTE.sub("", header)).casefold()


_ALIASES = {_norm(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def header_fields(cells: list[str]) -> dict[str, int]:
    """Field name → column index for the header cells that are recognised."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _ALIASES.get(_norm(cell.removeprefix("\ufeff")))
        if name and name not in found:
            found[name] = index
    return found


def _sniff(head: Head) -> bool:
    if head.kind != "text":
        return False
    first = head.text.lstrip("\ufeff").splitlines()[0] if head.text.strip() else ""
    cells = next(csv.reader([first], delimiter=_delimiter(first)), [])
    return "title" in header_fields(cells)


def _delimiter(line: str) -> str:
    return "\t" if line.count("\t") > line.count(",") else ","


def parse(stream: BinaryIO, source: str) -> Iterator[Record]:
    table = CsvFile(stream, source)
    columns = header_fields(table.header)
    if "title" not in columns:
        shown = "、".join(h.strip() for h in table.header if h.strip())[:200] or "（空）"
        reason = f"表头中没有“标题”（title）列；第一行是：{shown}"
        raise ImportFormatError(reason, source=source, where="第 1 行")
    row_reader = _Rows(table.header, columns, source)
    hosts: dict[str, set[str]] = {}
    for line, cells in table.rows():
        finding = row_reader.finding(cells, line)
        if finding.host:
            hosts.setdefault(finding.tool, set()).add(finding.host)
        yield finding
    for tool, names in hosts.items():
        yield Coverage(tool, hosts=frozenset(names))


class _Rows:
    """Turns the cells of one row into a Finding, naming the row and column of any bad cell."""

    def __init__(self, header: list[str], columns: dict[str, int], source: str) -> None:
        self._header = header
        self._columns = columns
        self._source = source

    def _fail(self, line: int, field: str, reason: str) -> ImportFormatError:
        index = self._columns[field]
        where = f"第 {line} 行第 {index + 1} 列（{self._header[index].strip()}）"
        return ImportFormatError(reason, source=self._source, where=where, line=line)

    def finding(self, cells: list[str], line: int) -> Finding:
        def cell(field: str) -> str:
            index = self._columns.get(field)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if len(cells) > len(self._header) and any(c.strip() for c in cells[len(self._header) :]):
            where = f"第 {line} 行"
            reason = (
                f"这一行有 {len(cells)} 列，比表头多（{len(self._header)} 列）；含逗号的内容请加英文双引号"
            )
            raise ImportFormatError(reason, source=self._source, where=where, line=line)
        title = cell("title")
        if not title:
            raise self._fail(line, "title", "标题为空")
        score = self._score(cell("cvss_score"), line)
        level = self._severity(cell("severity"), score, line)
        port, protocol = self._port(cell("port"), line)
        protocol = cell("protocol").lower() or protocol
        url = cell("url")
        host = fields.host(cell("host"))
        if "://" in url:
            try:
                url_host, url_port = fields.url_host_port(url)
            except fields.BadPort as exc:
                raise self._fail(line, "url", str(exc)) from None
            if not host:
                host, port = url_host, port or url_port
        tool = cell("tool").lower() or TOOL
        rule = cell("rule_id")
        identity = rule or "title:" + " ".join(title.casefold().split())
        place = fields.url_identity(url) if url else ""
        return Finding(
            title=title,
            severity=level,
            raw_severity=cell("severity") or cell("cvss_score"),
            tool=tool,
            tool_rule_id=rule,
            dedup_key=dedup_key(tool, identity, host, port, protocol, place, cell("parameter")),
            host=host,
            hostname=fields.host(cell("hostname")) if cell("hostname") else "",
            port=port,
            protocol=protocol,
            url=url,
            parameter=cell("parameter"),
            service=cell("service"),
            cve=self._cves(cell("cve"), line),
            cwe=self._cwes(cell("cwe"), line),
            cvss_score=score,
            cvss_vector=cell("cvss_vector"),
            description=cell("description"),
            evidence=cell("evidence"),
            steps=cell("steps"),
            solution=cell("solution"),
            references=fields.split_list(cell("references")),
        )

    def _score(self, text: str, line: int) -> float | None:
        if not text:
            return None
        score = fields.score(text)
        if score is None:
            raise self._fail(line, "cvss_score", f"CVSS 分值 {text!r} 不是 0–10 之间的数")
        return score

    def _severity(self, text: str, score: float | None, line: int) -> severity.Severity:
        if text:
            level = severity.from_word(text)
            if level is None:
                raise self._fail(
                    line, "severity", f"无法识别的严重程度 {text!r}；可用：严重、高、中、低、信息"
                )
            return level
        if score is not None:
            return severity.from_cvss(score)
        field = "severity" if "severity" in self._columns else "title"
        raise self._fail(line, field, "严重程度为空，也没有 CVSS 分值")

    def _port(self, text: str, line: int) -> tuple[int | None, str]:
        if not text or text.lower().startswith("general"):
            return None, text.partition("/")[2].lower()
        match = _PORT.fullmatch(text)
        if not match or not 0 < int(match.group(1)) <= 65535:
            raise self._fail(line, "port", f"端口 {text!r} 应为 1–65535 的整数（可带 /tcp、/udp）")
        return int(match.group(1)), (match.group(2) or "").lower()

    def _cves(self, text: str, line: int) -> tuple[str, ...]:
        items = fields.split_list(text)
        if any(len(fields.cves(item)) != 1 for item in items):
            raise self._fail(line, "cve", f"{text!r} 中有不是 CVE 编号（如 CVE-2021-44228）的内容")
        return fields.cves(*items)

    def _cwes(self, text: str, line: int) -> tuple[int, ...]:
        items = fields.split_list(text)
        if any(not fields.cwes(item) for item in items):
            raise self._fail(line, "cwe", f"{text!r} 中有不是 CWE 编号（如 CWE-79 或 79）的内容")
        return fields.cwes(*items)


IMPORTER = Importer(format=TOOL, label="通用 CSV（渗透测试等）", sniff=_sniff, parse=parse)
