"""The importer registry: which formats exist, which one a file is, and the streaming parse.

Every format module exposes one ``Importer``; ``detect`` asks each one about the file's
first 4 KiB and ``parse`` streams records from the chosen one. Nothing here holds a
whole file: callers consume the iterator in batches inside one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import BinaryIO

from .base import Importer
from .errors import ImportFormatError, WrongRoot
from .model import Record
from .sniff import read_head


def _importers() -> dict[str, Importer]:
    from . import generic_csv, nessus, nmap, nuclei, openvas, zap

    found = [
        nmap.IMPORTER,
        nessus.IMPORTER,
        openvas.IMPORTER,
        nuclei.IMPORTER,
        zap.IMPORTER,
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
    if head.kind == "xml":
        tag = f"（根元素 <{head.root}>）" if head.root else ""
        raise ImportFormatError(f"无法识别的 XML 格式{tag}；支持 nmap、Nessus、OpenVAS、ZAP 的 XML 报告")
    if head.kind == "json":
        raise ImportFormatError("无法识别的 JSON 格式；支持 Nuclei 的 JSONL 输出与 ZAP 的 JSON 报告")
    raise ImportFormatError("无法识别文件格式；通用 CSV 的第一行须是表头，至少含“标题”（title）列")


def parse(path: str | PathLike[str], fmt: str | None = None) -> Iterator[Record]:
    """Stream the findings (and nmap service observations) of the file at ``path``.

    ``fmt`` names the format ("nessus", "nmap", ...); None detects it. An unknown,
    empty or undetectable file is refused here, before iteration. The rest of the file
    is read as the iterator is consumed; a malformed file raises ImportFormatError part
    way, after some records were yielded — so the caller stores all or nothing.
    """
    name = Path(path).name
    if os.path.getsize(path) == 0:
        raise ImportFormatError("文件为空", source=name)
    if fmt is None:
        fmt = detect(path)
    importer = importers().get(fmt)
    if importer is None:
        known = "、".join(importers())
        raise ImportFormatError(f"未知的格式 {fmt!r}；可选：{known}", source=name)
    return _stream(path, importer, name)


def _stream(path: str | PathLike[str], importer: Importer, name: str) -> Iterator[Record]:
    with open(path, "rb") as stream:
        try:
            yield from importer.parse(stream, name)
        except WrongRoot as exc:  # the file is another format: say which, when we know it
            guess = format_of_root(exc.tag)
            hint = f"；它看起来是 {guess} 文件，请选择该格式" if guess else ""
            raise ImportFormatError(exc.reason + hint, source=exc.source, where=exc.where) from None
