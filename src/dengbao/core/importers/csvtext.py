"""Reading any CSV export as text: its encoding found, its rows numbered, its faults located.

Encodings: UTF-8 with or without BOM and UTF-16 with a BOM are taken as they are; any
other text is GB18030 (Excel on a Chinese Windows) unless charset-normalizer finds it is
something else (cp1252 from a Western Windows, Big5 …). A file that still does not decode
is refused at the line where it fails, never with a traceback. Binary files are refused
before the first row.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from .errors import ImportFormatError
from .limits import MAX_RECORD_BYTES

csv.field_size_limit(MAX_RECORD_BYTES)  # Nessus' plugin output can pass the default 128 KiB

_HEAD = 64 * 1024
_SAMPLE = 1024 * 1024
_CHINESE = {"gb2312", "gbk", "gb18030", "cp936", "hz"}
_NAMES = {"utf_8": "utf-8-sig", "ascii": "utf-8-sig"}
BINARY = "这是二进制文件，不是文本格式的扫描结果"


def encoding_of(stream: BinaryIO) -> str:
    """The encoding to read the whole file with; the stream is left at its start.

    Raises ImportFormatError for a binary file or text whose encoding cannot be told.
    """
    head = stream.read(_HEAD)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFormatError(BINARY)
    if sum(byte < 32 and byte not in b"\r\n\t" for byte in head) > len(head) // 20:
        raise ImportFormatError(BINARY)
    if _decodes(stream, "utf-8"):
        return "utf-8-sig"
    encoding = _guess(_non_ascii_lines(stream), gb18030=_decodes(stream, "gb18030"))
    stream.seek(0)
    return encoding


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    """The whole file decodes strictly (read in chunks: a late Chinese character counts too)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)


def _non_ascii_lines(stream: BinaryIO) -> bytes:
    """The lines with bytes above 0x7F, up to ``_SAMPLE`` bytes: what the encoding guess needs."""
    found: list[bytes] = []
    size = 0
    for line in stream:
        if not line.isascii():
            found.append(line[:4096])
            size += len(found[-1])
            if size >= _SAMPLE:
                break
    stream.seek(0)
    return b"".join(found)


def _guess(sample: bytes, *, gb18030: bool) -> str:
    """GB18030 when the file decodes as it and charset-normalizer finds it plausible; else its best guess."""
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    names = [codecs.lookup(m.encoding).name.replace("-", "_") for m in matches]
    if gb18030 and (not names or any(n in _CHINESE or n.startswith("gb") for n in names)):
        return "gb18030"
    best = matches.best()
    if best is None:
        raise ImportFormatError("无法识别文件的字符编码；请另存为 UTF-8 编码再导入")
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    best = next((m for m in tied if m.encoding == "cp1252"), best)  # the common Western Windows one
    text = str(best)
    if sum(ch < " " and ch not in "\r\n\t" for ch in text) > len(text) // 20:
        raise ImportFormatError(BINARY)
    name = codecs.lookup(best.encoding).name.replace("-", "_")
    return _NAMES.get(name, name)


class CsvFile:
    """Rows of a CSV file with their line numbers; the header is read on opening."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        try:
            self.encoding = encoding_of(stream)
        except ImportFormatError as exc:
            raise exc.located(source=source) from None
        self.source = source
        self._text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
        first = self._guarded(self._text.readline, 1)
        self._text.seek(0)
        self.delimiter = "\t" if first.count("\t") > first.count(",") else ","
        self._reader = csv.reader(self._text, delimiter=self.delimiter, strict=True)
        self.header: list[str] = self._guarded(lambda: next(self._reader, []), 1)
        if self.header:
            self.header[0] = self.header[0].removeprefix("\ufeff")

    def error(self, reason: str, line: int) -> ImportFormatError:
        return ImportFormatError(reason, source=self.source, where=f"第 {line} 行", line=line)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first line number of the row, cells) for each row with any content."""
        start = self._reader.line_num + 1
        while True:
            cells = self._guarded(lambda: next(self._reader, None), start)
            if cells is None:
                return
            if any(cell.strip() for cell in cells):
                yield start, cells
            start = self._reader.line_num + 1

    def _guarded(self, read, line: int):
        try:
            return read()
        except UnicodeDecodeError as exc:
            reason = f"按 {self.encoding} 编码无法解码（{exc.reason}）；请把文件另存为 UTF-8 编码再导入"
            raise self.error(reason, self._reader_line(line)) from None
        except csv.Error as exc:
            text = str(exc)
            if "field larger than field limit" in text:
                text = f"单元格超过 {MAX_RECORD_BYTES // 1048576} MB"
            raise self.error(f"CSV 格式错误（{text}）", self._reader_line(line)) from None

    def _reader_line(self, default: int) -> int:
        reader = getattr(self, "_reader", None)
        return max(default, reader.line_num) if reader is not None else default


def _key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def pick(header: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Field → column index, matching header names without case, spaces or punctuation.

    Aliases are tried in order, so the first listed wins when an export has several
    (a CVSS v3 score before a v2 one).
    """
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(_key(name), position)
    found = {}
    for field, names in aliases.items():
        for name in names:
            if _key(name) in index:
                found[field] = index[_key(name)]
                break
    return found


class Cells:
    """One row's cells by field name; absent columns and short rows read as ""."""

    __slots__ = ("_cells", "_columns")

    def __init__(self, cells: list[str], columns: dict[str, int]) -> None:
        self._cells = cells
        self._columns = columns

    def __getitem__(self, field: str) -> str:
        index = self._columns.get(field)
        return self._cells[index].strip() if index is not None and index < len(self._cells) else ""


def first_row(text: str) -> list[str]:
    """The header cells of a file's head text (for sniffing), "" cells included."""
    line = text.lstrip("\ufeff").partition("\n")[0].rstrip("\r")
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def has_columns(text: str, *required: tuple[str, ...]) -> bool:
    """Does the head's first row have, for each group, one of the named columns?"""
    keys = {_key(cell) for cell in first_row(text)}
    return all(any(_key(name) in keys for name in group) for group in required)
