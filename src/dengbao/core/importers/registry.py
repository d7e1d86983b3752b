"""The importer registry: which formats exist, which one a file is, and the streaming parse.

Every format module exposes one ``Importer``; ``detect`` asks each one about the file's
head (see ``sniff``) and ``parse`` streams records from the chosen one. Nothing here holds
a whole file: callers consume the iterator in batches inside one transaction. Text fields
longer than ``limits.MAX_TEXT_CHARS`` are cut here, for every format, with a warning.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import BinaryIO

from . import hints
from .base import Importer
from .errors import ImportFormatError, WrongRoot
from .limits import MAX_TEXT_CHARS
from .model import Finding, Record, RecordWarning
from .sniff import read_head


def _importers() -> dict[str, Importer]:
    from . import (
        acunetix,
        generic_csv,
        nessus,
        nessus_csv,
        nmap,
        nuclei,
        openvas,
        openvas_csv,
        qualys,
        xray,
        zap,
    )

    found = [
        nmap.IMPORTER,
        nessus.IMPORTER,
        nessus_csv.IMPORTER,
        openvas.IMPORTER,
        openvas_csv.IMPORTER,
        nuclei.IMPORTER,
        zap.IMPORTER,
        acunetix.IMPORTER,
        qualys.IMPORTER,
        xray.IMPORTER,
        generic_csv.IMPORTER,
    ]
    return {imp.format: imp for imp in found}


_REGISTRY: dict[str, Importer] = {}


def importers() -> dict[str, Importer]:
    """Every registered importer by format name, in detection order (CSV last: it is the fallback)."""
    if not _REGISTRY:
        _REGISTRY.update(_importers())
    return _REGISTRY


def format_of_root(tag: str) -> str:
    """The label of the format whose XML root is ``tag``, or ""."""
    return next((imp.label for imp in importers().values() if tag in imp.roots), "")


def detect(path: str | PathLike[str]) -> str:
    """The format name of the file at ``path``, from its first 4 KiB.

    Raises ImportFormatError when the file is empty, binary, compressed or of no known format.
    """
    name = Path(path).name
    try:
        with open(path, "rb") as stream:
            return detect_stream(stream)
    except ImportFormatError as exc:
        raise exc.located(source=name) from None


def detect_stream(stream: BinaryIO) -> str:
    """``detect`` for an open binary stream; reads only the head (and leaves the position there)."""
    head = read_head(stream)
    for importer in importers().values():
        if importer.sniff(head):
            return importer.format
    hint = hints.named_tool(head)
    if hint:
        raise ImportFormatError(hint)
    if head.kind == "xml":
        tag = f"（根元素 <{head.root}>）" if head.root else ""
        known = "nmap、Nessus、OpenVAS、ZAP、Acunetix、Qualys"
        raise ImportFormatError(f"无法识别的 XML 格式{tag}；支持 {known} 的 XML 报告")
    if head.kind == "json":
        raise ImportFormatError("无法识别的 JSON 格式；支持 Nuclei 的 JSONL/JSON、xray 与 ZAP 的 JSON 报告")
    raise ImportFormatError(
        "无法识别文件格式；Nessus、OpenVAS 的 CSV 导出按表头识别，"
        "通用 CSV 的第一行须是表头，至少含“标题”（title）列"
    )


def parse(path: str | PathLike[str], fmt: str | None = None) -> Iterator[Record]:
    """Stream the records of the file at ``path``: findings, nmap service observations, what the
    file covered (``Coverage``, ``Incomplete``) and skipped records (``RecordWarning``).

    ``fmt`` names the format ("nessus", "nmap", ...); None detects it. An unknown,
    empty or undetectable file is refused here, before iteration. The rest of the file
    is read as the iterator is consumed; a malformed file raises ImportFormatError part
    way, after some records were yielded — so the caller stores all or nothing.
    """
    name = Path(path).name
    importer = importers().get(fmt) if fmt is not None else None
    if fmt is not None and importer is None:
        known = "、".join(importers())
        raise ImportFormatError(f"未知的格式 {fmt!r}；可选：{known}", source=name)
    if os.path.getsize(path) == 0:
        if importer is not None and importer.empty_ok:
            return iter(())  # the tool's own "nothing found": the caller records the coverage it declares
        tools = "、".join(i.label for i in importers().values() if i.empty_ok)
        raise ImportFormatError(
            f"文件为空（{tools} 未发现任何结果时的空输出，请明确选择该格式导入）", source=name
        )
    if importer is None:
        importer = importers()[detect(path)]
    return _stream(path, importer, name)


def _stream(path: str | PathLike[str], importer: Importer, name: str) -> Iterator[Record]:
    started = False
    with open(path, "rb") as stream:
        try:
            for record in importer.parse(stream, name):
                started = True
                if isinstance(record, Finding):
                    record, warning = _bounded(record)
                    if warning is not None:
                        yield warning
                yield record
        except WrongRoot as exc:  # the file is another format: say which, when we know it
            guess = format_of_root(exc.tag)
            hint = f"；它看起来是 {guess} 文件，请选择该格式" if guess else _other(path, importer)
            raise ImportFormatError(exc.reason + hint, source=exc.source, where=exc.where) from None
        except ImportFormatError as exc:
            hint = "" if started else _other(path, importer)
            if not hint:
                raise
            raise ImportFormatError(
                exc.reason + hint, source=exc.source, where=exc.where, line=exc.line
            ) from None


def _other(path: str | PathLike[str], chosen: Importer) -> str:
    """ "；它看起来是 X 文件…" when the file is another readable format, or the named tool's export hint."""
    try:
        with open(path, "rb") as stream:
            head = read_head(stream)
    except (ImportFormatError, OSError):
        return ""
    if chosen.sniff(head):
        return ""  # it is the chosen format, only malformed: the error says where
    for importer in importers().values():
        if importer is not chosen and importer.sniff(head):
            return f"；它看起来是 {importer.label} 文件，请选择该格式"
    hint = hints.named_tool(head)
    return f"；{hint}" if hint else ""


_TEXT_FIELDS = ("description", "evidence", "steps", "solution", "url")


def _bounded(finding: Finding) -> tuple[Finding, RecordWarning | None]:
    """The finding with any text field over ``MAX_TEXT_CHARS`` cut, and a warning naming it."""
    long = [name for name in _TEXT_FIELDS if len(getattr(finding, name)) > MAX_TEXT_CHARS]
    if not long:
        return finding, None
    changes = {}
    for name in long:
        value = getattr(finding, name)
        changes[name] = value[:MAX_TEXT_CHARS] + f"\n…（已截断，原文 {len(value):,} 字符）"
    where = f"{finding.title[:80]}（{finding.host or finding.url[:80]}）"
    reason = f"{'、'.join(long)} 超过 {MAX_TEXT_CHARS:,} 字符，已截断保存"
    return dataclasses.replace(finding, **changes), RecordWarning(reason, where=where)
