"""Reader for the text the database collection scripts print (``dengbao collect script mysql`` …).

The SQL prints its own header (``-- dengbao:collect platform=… version=…``, ``-- dengbao:meta
key=value``) and wraps each query's rows in ``-- dengbao:begin NAME`` / ``-- dengbao:end NAME``.
Each section becomes an artefact; the SHA-256 of the whole file and of each section is recorded
in the manifest, as a tar.gz bundle's manifest records its parts.
"""

from __future__ import annotations

import hashlib
import re

from ..bundle import Bundle, BundleError
from ..scripts.dbsql import PREFIX

PLATFORMS = ("mysql", "postgresql", "oracle", "mssql")
MAX_SECTIONS = 200
MAX_LINE = 10_000
_HEADER = re.compile(r"^--\s*dengbao:collect\s+platform=(\w+)\s+version=(\S+)\s*$")
_META = re.compile(r"^--\s*dengbao:meta\s+(\w+)=(.*)$")
_BEGIN = re.compile(r"^--\s*dengbao:begin\s+([a-z0-9_]{1,60})\s*$")
_END = re.compile(r"^--\s*dengbao:end\s+([a-z0-9_]{1,60})\s*$")
_DONE = re.compile(r"^--\s*dengbao:done\s*$")
_ERROR = re.compile(r"^(ERROR\b|ORA-\d+|SP2-\d+|Msg \d+, Level|psql:.*\bERROR:)")
SNIFF_BYTES = 8192


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")  # sqlcmd -u, PowerShell redirection
    return data.decode("utf-8-sig", errors="replace")


def _header(text: str) -> re.Match[str] | None:
    for line in text.splitlines()[:40]:
        m = _HEADER.match(line.strip())
        if m:
            return m
    return None


def sniff(filename: str, data: bytes) -> bool:
    m = _header(_decode(data[:SNIFF_BYTES]))
    return m is not None and m.group(1) in PLATFORMS


def read(filename: str, data: bytes) -> Bundle:
    text = _decode(data)
    head = _header(text)
    if head is None or head.group(1) not in PLATFORMS:
        raise BundleError("不是 dengbao 数据库采集脚本的输出（缺少 -- dengbao:collect 标头）")
    platform, version = head.group(1), head.group(2)
    meta: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    warnings: list[str] = []
    current: str | None = None
    finished = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()[:MAX_LINE]
        stripped = line.strip()
        if stripped.startswith(PREFIX) or stripped.startswith("-- dengbao:"):
            if m := _META.match(stripped):
                meta.setdefault(m.group(1), m.group(2).strip()[:300])
                continue
            if m := _BEGIN.match(stripped):
                if current is not None:
                    warnings.append(f"第 {number} 行：段 {current} 没有结束标记")
                current = m.group(1)
                if current in sections:
                    raise BundleError(f"第 {number} 行：段 {current} 重复出现")
                if len(sections) >= MAX_SECTIONS:
                    raise BundleError(f"采集输出的段过多（上限 {MAX_SECTIONS}）")
                sections[current] = []
                continue
            if m := _END.match(stripped):
                if m.group(1) != current:
                    warnings.append(f"第 {number} 行：结束标记 {m.group(1)} 与开始的段 {current} 不符")
                current = None
                continue
            if _DONE.match(stripped):
                finished = True
                continue
            continue  # the header itself
        if _ERROR.match(stripped):
            warnings.append(f"第 {number} 行（段 {current or '-'}）：{stripped[:200]}")
        if current is not None:
            sections[current].append(line)
    if current is not None:
        warnings.append(f"段 {current} 没有结束标记，输出可能被截断")
    if not finished:
        warnings.append("采集输出缺少结束标记（-- dengbao:done），脚本可能没有执行完")
    if not sections:
        raise BundleError("采集输出中没有任何段（-- dengbao:begin …）")
    artefacts = {name: "\n".join(lines) + ("\n" if lines else "") for name, lines in sections.items()}
    commands = [
        {
            "name": name,
            "file": f"{filename}#{name}",
            "rc": 0,
            "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        }
        for name, body in artefacts.items()
    ]
    host = meta.get("host", "")
    address = meta.get("address", "")
    manifest = {
        "collector": f"dengbao-{platform}",
        "version": version,
        "platform": platform,
        "host": {"hostname": host, "addresses": [address] if address and address != "local" else []},
        "server": meta.get("server", ""),
        "run_as": meta.get("user", ""),
        "started": meta.get("time", ""),
        "source": {"format": "sqltext", "filename": filename, "sha256": hashlib.sha256(data).hexdigest()},
        "commands": commands,
    }
    return Bundle(manifest=manifest, artefacts=artefacts, warnings=tuple(warnings))
