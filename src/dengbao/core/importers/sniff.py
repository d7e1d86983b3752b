"""A cheap look at a file's first bytes: is it XML (and which root), JSON, text or junk.

Each importer decides from this ``Head`` whether the file is its own. Detection reads
64 KiB, and further (up to ``limits.SNIFF_BYTES``) only while an XML prolog — comments,
processing instructions, a DOCTYPE — still hides the root element.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO, Literal

from .errors import ImportFormatError
from .limits import SNIFF_BYTES

HEAD_SIZE = 64 * 1024

Kind = Literal["xml", "json", "text"]

_MAGIC = (
    (b"\x1f\x8b", "这是 gzip 压缩文件，请先解压再导入"),
    (b"PK\x03\x04", "这是 ZIP 压缩包（或 Excel 文件）；请解压，表格请另存为 CSV 再导入"),
    (b"%PDF", "这是 PDF 文件，不是扫描结果"),
    (b"\xd0\xcf\x11\xe0", "这是旧版 Office 文件；表格请另存为 CSV 再导入"),
)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
BINARY = "这是二进制文件，不是文本格式的扫描结果"
_ROOT = re.compile(r"<([^\s/>!?]+)")


@dataclass(frozen=True, slots=True)
class Head:
    """What the first bytes say: the kind, the XML root tag and the decoded text."""

    kind: Kind
    text: str
    root: str = ""  # XML only; "" when the prolog is longer than the head


def read_head(stream: BinaryIO) -> Head:
    """Classify the first ``HEAD_SIZE`` bytes (more past a long XML prolog); refuse empty and binary files."""
    raw = stream.read(HEAD_SIZE)
    if not raw.strip():
        raise ImportFormatError("文件为空")
    for magic, reason in _MAGIC:
        if raw.startswith(magic):
            raise ImportFormatError(reason)
    text = _decode(raw)
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("<"):
        root = _root_tag(body)
        while not root and len(raw) < SNIFF_BYTES:
            more = stream.read(len(raw))  # doubling: a long prolog is read in a few steps
            if not more:
                break
            raw += more
            encoding = next((e for bom, e in _BOMS if raw.startswith(bom)), "utf-8")
            text = raw.decode(encoding, "replace")  # the root tag is ASCII in every format we read
            root = _root_tag(text.lstrip("\ufeff \t\r\n"))
        return Head("xml", text, root)
    if body[:1] in "{[":
        return Head("json", text)
    return Head("text", text)


def _decode(raw: bytes) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("replace").decode(raw[len(bom) :])
    if b"\x00" in raw:
        raise ImportFormatError(BINARY)
    text = _strict(raw, "utf-8") or _strict(raw, "gb18030") or _guessed(raw)
    if sum(ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t") for ch in text) > len(text) // 20:
        raise ImportFormatError(BINARY)
    return text


def _strict(raw: bytes, encoding: str) -> str:
    """The head decoded strictly ("" when it does not decode); a cut last character is kept back."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(raw)
    except UnicodeDecodeError:
        return ""


def _guessed(raw: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw[: raw.rfind(b"\n") + 1] or raw).best()
    encoding = best.encoding if best is not None else "latin-1"
    return raw.decode(encoding, "replace")


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
