"""A pull cursor over one large JSON document, so a ZAP JSON report or a Nuclei JSON array
is read one alert or one result at a time instead of ``json.load`` of the whole file.

Containers the caller walks (the report, its ``site`` list, each ``alerts`` list) are
stepped through key by key; each record inside them is decoded whole with the standard
library's fast decoder. Memory is bounded by the largest record, not by the file.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]  # typeshed leaves it out of json.decoder
from typing import Any, BinaryIO

from .errors import ImportFormatError
from .limits import MAX_DEPTH, MAX_RECORD_BYTES

_CHUNK = 64 * 1024
_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
DEPTH_MESSAGE = f"JSON 嵌套超过 {MAX_DEPTH} 层，不像扫描结果，拒绝导入"


class Truncated(ImportFormatError):
    """The document ended before its containers closed (a cut or interrupted file)."""


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Does ``text`` nest containers deeper than ``limit`` (brackets inside strings not counted)?

    Checked before decoding: the standard decoder recurses and would fail with RecursionError.
    """
    if text.count("{") + text.count("[") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads(text: str) -> object:
    """``json.loads`` that refuses deep nesting with ValueError instead of RecursionError."""
    if too_deep(text):
        raise ValueError(DEPTH_MESSAGE)
    return json.loads(text)


class JsonCursor:
    """Walks a JSON document from a binary UTF-8 stream (a BOM is allowed)."""

    def __init__(self, stream: BinaryIO, *, source: str) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        self._source = source
        self._buf = ""
        self._pos = 0
        self._line_base = 1  # line number of the buffer's first character
        self._eof = False

    def error(
        self, reason: str, pos: int | None = None, *, kind: type[ImportFormatError] = ImportFormatError
    ):
        """An error at the cursor (or at ``pos`` in the buffer), with line and column."""
        pos = self._pos if pos is None else pos
        line = self._line_base + self._buf.count("\n", 0, pos)
        column = pos - self._buf.rfind("\n", 0, pos)
        return kind(reason, source=self._source, where=f"第 {line} 行第 {column} 列", line=line)

    def peek(self) -> str:
        """The next non-blank character without consuming it; "" at the end of the file."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "文件结尾（文件可能被截断）"
            raise self.error(
                f"此处应为 {what}（{char!r}），实际是 {shown}", kind=ImportFormatError if found else Truncated
            )
        self._pos += 1

    def value(self) -> Any:
        """Decode the next complete value (a record, a string, a number …), refusing deep nesting."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError:
                if self._fill(grow=True):
                    continue
                raise self._decode_error(self._position_error()) from None
            except RecursionError:
                raise self.error(DEPTH_MESSAGE) from None
            if end == len(self._buf) and self._fill(grow=True):
                continue  # a number may go on in the next chunk
            if too_deep(self._buf[self._pos : end]):
                raise self.error(DEPTH_MESSAGE)
            self._pos = end
            return value

    def object_keys(self) -> Iterator[str]:
        """Step into an object: yield each key; the caller consumes its value before the next."""
        self.expect("{", "一个 JSON 对象")
        first = True
        while True:
            if self.peek() == "}":
                self._pos += 1
                return
            if not first:
                self.expect(",", "逗号")
            first = False
            yield self._key()

    def array_items(self) -> Iterator[None]:
        """Step into an array: yield once per element; the caller consumes each element."""
        self.expect("[", "一个 JSON 数组")
        first = True
        while True:
            if self.peek() == "]":
                self._pos += 1
                return
            if not first:
                self.expect(",", "逗号")
            first = False
            yield None

    def skip(self, depth: int = 0) -> None:
        """Consume the next value, stepping through containers so large ones stay unread."""
        if depth > MAX_DEPTH:
            raise self.error(DEPTH_MESSAGE)
        char = self.peek()
        if char == "{":
            for _ in self.object_keys():
                self.skip(depth + 1)
        elif char == "[":
            for _ in self.array_items():
                self.skip(depth + 1)
        else:
            self.value()

    def end(self) -> None:
        """Check that nothing but whitespace follows the document."""
        if self.peek():
            raise self.error("JSON 文档结束后还有多余内容")

    def _key(self) -> str:
        self.expect('"', "一个带引号的键名")
        while True:
            try:
                key, end = scanstring(self._buf, self._pos)
            except json.JSONDecodeError:
                if self._fill():
                    continue
                try:  # again on the buffer as it is now: a failed fill may have shifted it
                    key, end = scanstring(self._buf, self._pos)
                except json.JSONDecodeError as exc:
                    raise self._decode_error(exc) from None
            self._pos = end
            self.expect(":", "冒号")
            return key

    def _fill(self, *, grow: bool = False) -> bool:
        """Read more text, dropping what was consumed; reads at least the buffer's size when growing."""
        if self._eof:
            return False
        consumed = self._buf[: self._pos]
        self._line_base += consumed.count("\n")
        self._buf = self._buf[self._pos :]
        self._pos = 0
        size = max(_CHUNK, len(self._buf)) if grow else _CHUNK
        if len(self._buf) > MAX_RECORD_BYTES:
            limit = MAX_RECORD_BYTES // 1048576
            raise self.error(f"单条记录超过 {limit} MB，拒绝导入（文件可能已损坏或不是扫描结果）")
        try:
            chunk = self._text.read(size)
        except UnicodeDecodeError:
            raise self.error("文件不是有效的 UTF-8 编码", len(self._buf)) from None
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _position_error(self) -> json.JSONDecodeError:
        """The decoder's error for the buffer as it is now (a failed fill may have shifted it)."""
        try:
            _DECODER.raw_decode(self._buf, self._pos)
        except json.JSONDecodeError as exc:
            return exc
        except RecursionError:
            raise self.error(DEPTH_MESSAGE) from None
        return json.JSONDecodeError("unexpected end", self._buf, len(self._buf))

    def _decode_error(self, exc: json.JSONDecodeError) -> ImportFormatError:
        if exc.pos >= len(self._buf.rstrip()):
            return self.error("JSON 在此意外结束，内容不完整（文件可能被截断）", exc.pos, kind=Truncated)
        return self.error(f"JSON 格式错误（{exc.msg}）", exc.pos)
