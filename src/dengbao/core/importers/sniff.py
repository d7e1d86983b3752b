"""A cheap look at a file's first bytes: is it XML (and which root), JSON, text or junk.

Each importer decides from this ``Head`` whether the file is its own, so detection
reads 4 KiB however large the upload is.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO, Literal

from .errors import ImportFormatError

HEAD_SIZE = 4096

Kind = Literal["xml", "json", "text"]

_MAGIC = (
    (b"\x1f\x8b", "这是 gzip 压缩文件，请先解压再导入"),
    (b"PK\x03\x04", "这是 ZIP 压缩包（或 Excel 文件）；请解压，表格请另存为 CSV 再导入"),
    (b"%PDF", "这是 PDF 文件，不是扫描结果"),
    (b"\xd0\xcf\x11\xe0", "这是旧版 Office 文件；表格请另存为 CSV 再导入"),
)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_ROOT = re.compile(r"<([^\s/>!?]+)")


@dataclass(frozen=True, slots=True)
class Head:
    """What the first bytes say: the kind, the XML root tag and the decoded text."""

    kind: Kind
    text: str
    root: str = ""  # XML only; "" when the prolog is longer than the head


def read_head(stream: BinaryIO) -> Head:
    """Classify the first ``HEAD_SIZE`` bytes; empty and binary files are refused here."""
    raw = stream.read(HEAD_SIZE)
    if not raw.strip():
        raise ImportFormatError("文件为空")
    for magic, reason in _MAGIC:
        if raw.startswith(magic):
            raise ImportFormatError(reason)
    text = _decode(raw)
    body = text.lstrip()
    if body.startswith("<"):
        return Head("xml", text, _root_tag(body))
    if body[:1] in "{[":
        return Head("json", text)
    return Head("text", text)


def _decode(raw: bytes) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("replace").decode(raw[len(bom) :])
    if b"\x00" in raw:
        raise ImportFormatError("这是二进制文件，不是文本格式的扫描结果")
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(raw)  # a cut last character is kept back
    except UnicodeDecodeError:
        text = raw.decode("gb18030", "replace")
    if sum(ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t") for ch in text) > len(text) // 20:
        raise ImportFormatError("这是二进制文件，不是文本格式的扫描结果")
    return text


def _root_tag(body: str) -> str:
    """The first element's tag, skipping the declaration, comments, PIs and the DOCTYPE."""
    pos = 0
    while True:
        pos = _skip_space(body, pos)
        if body.startswith("<?", pos):
            end = body.find("?>", pos)
            pos = -1 if end < 0 else end + 2
        elif body.startswith("<!--", pos):
            end = body.find("-->", pos)
            pos = -1 if end < 0 else end + 3
        elif body.startswith("<!", pos):
            bracket, close = body.find("[", pos), body.find(">", pos)
            if 0 <= bracket < close:
                raise ImportFormatError(
                    "文件带有 DTD 内部子集（可能是 XML 炸弹或外部实体攻击），出于安全考虑拒绝导入"
                )
            pos = -1 if close < 0 else close + 1
        else:
            match = _ROOT.match(body, pos)
            return match.group(1) if match else ""
        if pos < 0:
            return ""


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos
