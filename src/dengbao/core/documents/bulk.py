"""Long runs of headings and tables written straight into a rendered document.

A 300-object assessment has some 70,000 result rows in its appendix. Through the template
engine each row would cost a Jinja loop iteration, an lxml element tree and python-docx
objects — seconds and gigabytes. Instead the template holds ``{{ appendix }}`` alone in a
paragraph; the builder puts a marker there, and after rendering this module streams the
blocks' WordprocessingML in place of that paragraph, writing ``word/document.xml`` in
chunks. Memory stays flat however many rows there are.

The blocks use the template's own styles by their IDs (``Heading2``, ``TableSmall``…),
so an organisation's template restyles them like everything else.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO

TWIPS_PER_CM = 567

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Escape text for an XML text node and drop the characters XML 1.0 forbids."""
    text = "" if value is None else str(value)
    if _INVALID_XML.search(text):
        text = _INVALID_XML.sub("", text)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # a paragraph style ID; "" for Normal


@dataclass(frozen=True)
class Table:
    """A bordered table with a repeated header row; ``rows`` may be a generator."""

    columns: Sequence[tuple[str, float]]  # (header, width in cm)
    rows: Iterable[Sequence[object]]
    style: str = "TableSmall"
    head_style: str = "TableSmallHead"
    head_fill: str = "F2F2F2"


Block = Heading | Paragraph | Table


@dataclass
class Blocks:
    """A context value the builder splices in as raw blocks, in order."""

    parts: Iterable[Block] = field(default_factory=list)

    def __str__(self) -> str:  # what a template validation run would print
        return "[blocks]"


def _paragraph(text: object, style: str) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{_run_text(text)}</w:t></w:r></w:p>'


def _cell(text: object, width: int, style: str, fill: str = "") -> str:
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>{_paragraph(text, style)}</w:tc>'
    )


_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def _table(table: Table) -> Iterator[str]:
    widths = [round(w * TWIPS_PER_CM) for _, w in table.columns]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    yield (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
    )
    head = "".join(
        _cell(name, w, table.head_style, table.head_fill)
        for (name, _), w in zip(table.columns, widths, strict=True)
    )
    yield f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"
    # The body is most of a long document: each column's cell opening is built once.
    openings = [
        f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{table.style}"/>'
        "</w:pPr><w:r>"
        for w in widths
    ]
    closing = "</w:r></w:p></w:tc>"
    batch: list[str] = []
    for row in table.rows:
        if len(row) != len(widths):
            raise ValueError(f"a row has {len(row)} cells, the table {len(widths)} columns: {row!r}")
        cells = [
            f'{opening}<w:t xml:space="preserve">{_run_text(value)}</w:t>{closing}'
            for opening, value in zip(openings, row, strict=True)
        ]
        batch.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>")
        if len(batch) >= 500:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch)
    yield "</w:tbl>"
    yield "<w:p/>"  # Word joins two tables that touch; a paragraph keeps them apart


def _run_text(value: object) -> str:
    """The inside of one ``w:t``: escaped, with line breaks as ``w:br`` between texts."""
    text = xml_text(value)
    if "\n" in text:
        text = '</w:t><w:br/><w:t xml:space="preserve">'.join(text.split("\n"))
    return text


def xml_chunks(blocks: Blocks) -> Iterator[str]:
    for part in blocks.parts:
        if isinstance(part, Heading):
            yield _paragraph(part.text, f"Heading{part.level}")
        elif isinstance(part, Paragraph):
            yield _paragraph(part.text, part.style)
        elif isinstance(part, Table):
            yield from _table(part)
        else:
            raise TypeError(f"not a block: {part!r}")


def marker(n: int) -> str:
    return f"DENGBAO-BLOCKS-{n:04d}-7f3a"


def splice(docx: bytes, blocks: dict[str, Blocks]) -> bytes:
    """Replace each marker's paragraph in ``word/document.xml`` with its blocks, streaming."""
    if not blocks:
        return docx
    source = zipfile.ZipFile(BytesIO(docx))
    xml = source.read("word/document.xml").decode("utf-8")
    pieces: list[tuple[int, int, str]] = []
    for mark in blocks:
        at = xml.find(mark)
        if at < 0:
            raise ValueError(f"the template lost the place of a block ({mark})")
        start = max(xml.rfind("<w:p>", 0, at), xml.rfind("<w:p ", 0, at))
        end = xml.find("</w:p>", at) + len("</w:p>")
        pieces.append((start, end, mark))
    pieces.sort()
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                with source.open(info) as src, target.open(_info(info), "w") as dst:
                    shutil.copyfileobj(src, dst)
                continue
            with target.open(_info(info), "w", force_zip64=True) as dst:
                position = 0
                for start, end, mark in pieces:
                    dst.write(xml[position:start].encode("utf-8"))
                    for chunk in xml_chunks(blocks[mark]):
                        dst.write(chunk.encode("utf-8"))
                    position = end
                dst.write(xml[position:].encode("utf-8"))
    return out.getvalue()


def _info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = zipfile.ZIP_DEFLATED
    copy.external_attr = info.external_attr
    return copy
