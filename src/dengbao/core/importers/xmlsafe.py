"""Streaming, defused XML reading shared by the XML importers.

Every XML format is read through ``XmlRecords``: defusedxml's iterparse (entities
and external references refused, any DTD refused except a bare ``<!DOCTYPE name>``
that nmap writes), a path for error messages, and release of every element once it
has been handled, so a 200 MB report is parsed in memory bounded by one record.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import errors as expat_errors

import defusedxml.ElementTree as defused_et
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden

from .errors import ImportFormatError, WrongRoot
from .limits import MAX_DEPTH

START = "start"
END = "end"

_UNSAFE = "出于安全考虑拒绝导入（可能是 XML 炸弹或外部实体攻击）"


class _Parser(defused_et.DefusedXMLParser):
    """Entities and external references refused; a DTD only in its harmless bare form.

    ``named_dtds`` lists root names whose exports carry a ``<!DOCTYPE X SYSTEM "….dtd">``
    line (Qualys): accepted without an internal subset, and never fetched — expat reads no
    external DTD here, and defusedxml refuses any external entity.
    """

    def __init__(self, named_dtds: frozenset[str] = frozenset()) -> None:
        self._named_dtds = named_dtds
        super().__init__(target=TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True)

    def defused_start_doctype_decl(
        self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: int
    ) -> None:
        named = name in self._named_dtds and not pubid and (sysid or "").endswith(".dtd")
        if has_internal_subset or ((sysid or pubid) and not named):
            raise DTDForbidden(name, sysid, pubid)


def _expat_reason(code: int, line: int, column: int) -> str:
    if code == _code("XML_ERROR_NO_ELEMENTS") and (line, column) == (1, 0):
        return "文件为空或不是 XML"
    if code == _code("XML_ERROR_SYNTAX") and line == 1 and column < 4:
        return "不是格式正确的 XML（文件开头就不是 XML）"
    if code in _TRUNCATED:
        return "文件在此意外结束，内容不完整（文件被截断或扫描中断）"
    return _REASONS.get(code, "XML 格式错误")


def _code(name: str) -> int:
    return expat_errors.codes[getattr(expat_errors, name)]


_TRUNCATED = {
    _code(name)
    for name in (
        "XML_ERROR_NO_ELEMENTS",
        "XML_ERROR_UNCLOSED_TOKEN",
        "XML_ERROR_PARTIAL_CHAR",
        "XML_ERROR_UNCLOSED_CDATA_SECTION",
    )
}
_REASONS = {
    _code("XML_ERROR_INVALID_TOKEN"): "不是格式正确的 XML（非法字符或标记）",
    _code("XML_ERROR_SYNTAX"): "XML 语法错误",
    _code("XML_ERROR_TAG_MISMATCH"): "开始标签与结束标签不匹配",
    _code("XML_ERROR_JUNK_AFTER_DOC_ELEMENT"): "根元素结束后还有多余内容",
    _code("XML_ERROR_UNDEFINED_ENTITY"): "引用了未定义的实体",
    _code("XML_ERROR_BAD_CHAR_REF"): "非法的字符引用",
    _code("XML_ERROR_UNKNOWN_ENCODING"): "不支持的字符编码（请导出为 UTF-8）",
    _code("XML_ERROR_INCORRECT_ENCODING"): "声明的字符编码与内容不符",
    _code("XML_ERROR_DUPLICATE_ATTRIBUTE"): "同一元素有重复的属性",
}


class XmlRecords:
    """Yields ``(START, elem)`` for elements outside records and ``(END, elem)`` for records.

    A record is an element whose tag is in ``records`` (a Nessus ReportItem, an nmap
    host). Its subtree is complete at its END event; after the caller has handled it,
    it is detached from its parent. Elements outside records are detached as they end.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        source: str,
        roots: tuple[str, ...],
        records: frozenset[str],
        label: str,
        named_dtds: frozenset[str] = frozenset(),
    ) -> None:
        self._stream = stream
        self._named_dtds = named_dtds
        self._source = source
        self._roots = roots
        self._records = records
        self._label = label
        self._path: list[str] = []
        self._counts: list[dict[str, int]] = [{}]

    @property
    def path(self) -> str:
        """Where the reader is, e.g. ``/NessusClientData_v2/Report[1]/ReportHost[3]/ReportItem[7]``."""
        return "/" + "/".join(self._path)

    def error(self, reason: str, *, child: str = "") -> ImportFormatError:
        """An error located at the current element (and optionally one of its children)."""
        where = f"元素 {self.path}{'/' + child if child else ''}"
        return ImportFormatError(reason, source=self._source, where=where)

    def __iter__(self) -> Iterator[tuple[str, Element]]:
        try:
            yield from self._events()
        except ParseError as exc:
            line, column = exc.position
            reason = f"{_expat_reason(exc.code, line, column)}（{str(exc).split(':')[0]}）"
            where = f"第 {line} 行第 {column + 1} 列"
            raise ImportFormatError(reason, source=self._source, where=where, line=line) from None
        except EntitiesForbidden as exc:
            raise ImportFormatError(f"文件声明了实体 {exc.name!r}，{_UNSAFE}", source=self._source) from None
        except DTDForbidden as exc:
            reason = f"文件带有 DTD 声明 <!DOCTYPE {exc.name} …>，{_UNSAFE}"
            raise ImportFormatError(reason, source=self._source) from None
        except DefusedXmlException as exc:
            reason = f"文件引用了外部资源（{exc}），{_UNSAFE}"
            raise ImportFormatError(reason, source=self._source) from None
        except ImportFormatError:
            raise
        except UnicodeDecodeError as exc:
            reason = f"按文件声明的编码无法解码（{exc.reason}）；请导出为 UTF-8"
            raise ImportFormatError(reason, source=self._source) from None
        except (ValueError, LookupError) as exc:  # expat on an encoding it cannot take
            reason = f"不支持的字符编码（{exc}）；请导出为 UTF-8"
            raise ImportFormatError(reason, source=self._source) from None

    def _events(self) -> Iterator[tuple[str, Element]]:
        stack: list[Element] = []
        records = self._records
        inside = 0  # depth within the current record; 0 when outside
        parser = _Parser(self._named_dtds)
        for event, elem in defused_et.iterparse(
            utf8_stream(self._stream), events=(START, END), parser=parser
        ):
            if event == START:
                if inside:
                    inside += 1
                    if inside + len(stack) > MAX_DEPTH:
                        raise self.error(f"XML 元素嵌套超过 {MAX_DEPTH} 层，不像扫描结果，拒绝导入")
                    continue
                if len(stack) >= MAX_DEPTH:
                    raise self.error(f"XML 元素嵌套超过 {MAX_DEPTH} 层，不像扫描结果，拒绝导入")
                if not stack:
                    self._check_root(elem.tag)
                self._enter(elem.tag)
                stack.append(elem)
                if elem.tag in records:
                    inside = 1
                    continue
                yield START, elem
                continue
            if inside > 1:
                inside -= 1
                continue
            if inside == 1:
                inside = 0
                yield END, elem
            stack.pop()
            if stack:
                stack[-1].remove(elem)
            self._path.pop()
            self._counts.pop()

    def _enter(self, tag: str) -> None:
        counts = self._counts[-1]
        index = counts[tag] = counts.get(tag, 0) + 1
        self._path.append(f"{tag}[{index}]" if self._path else tag)
        self._counts.append({})

    def _check_root(self, tag: str) -> None:
        if tag in self._roots:
            return
        expected = " 或 ".join(f"<{r}>" for r in self._roots)
        reason = f"根元素是 <{tag}>，不是 {self._label} 的 {expected}"
        raise WrongRoot(reason, tag=tag, source=self._source, where="第 1 个元素")


_DECLARED = re.compile(rb"""^(\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_EXPAT_OWN = {"utf_8", "utf_16", "utf_16_le", "utf_16_be", "latin_1", "iso8859_1", "ascii"}


def utf8_stream(stream: BinaryIO) -> BinaryIO:
    """The stream as UTF-8 when its declaration names a multi-byte encoding expat cannot read.

    Chinese tools write ``encoding="GB2312"``/``"GBK"``/``"GB18030"``; expat refuses any
    multi-byte encoding but UTF-8/16, so such a file is decoded with Python's codec here and
    handed on as UTF-8, its declaration rewritten. Single-byte encodings expat reads itself.
    """
    head = stream.read(200)
    stream.seek(stream.tell() - len(head))
    match = _DECLARED.match(head)
    if not match:
        return stream
    try:
        info = codecs.lookup(match.group(2).decode("ascii"))
    except LookupError:
        return stream  # expat names the unknown encoding itself
    if info.name.replace("-", "_") in _EXPAT_OWN or not _multibyte(info.name):
        return stream
    return _Transcoded(stream, info.name)  # type: ignore[return-value]


def _multibyte(name: str) -> bool:
    return any(part in name for part in ("gb", "big5", "jis", "euc", "cp9", "hz", "utf"))


class _Transcoded(io.RawIOBase):
    """A read-only byte stream: another encoding's bytes decoded, then encoded as UTF-8."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._pending = b""
        self._first = True
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._pending) < size):
            chunk = self._stream.read(65536)
            text = self._decoder.decode(chunk, final=not chunk)
            if self._first:
                text = _DECLARED_TEXT.sub(r"\1utf-8\2", text, count=1)
                self._first = False
            self._pending += text.encode("utf-8")
            self._done = not chunk
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


_DECLARED_TEXT = re.compile(r"""(<\?xml[^>]*?encoding\s*=\s*["'])[A-Za-z0-9._-]+(["'])""")


def child_text(elem: Element, tag: str) -> str:
    """The stripped text of the first child ``tag``, or ""."""
    child = elem.find(tag)
    if child is None or child.text is None:
        return ""
    return child.text.strip()


def children_text(elem: Element, tag: str) -> list[str]:
    """The stripped, non-empty texts of every child ``tag``, in order."""
    return [c.text.strip() for c in elem.iterfind(tag) if c.text and c.text.strip()]
