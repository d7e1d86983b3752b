"""python-docx helpers for building the shipped templates: A4 page, Chinese fonts (宋体 body,
黑体 headings, set as ``w:eastAsia`` so Word and WPS pick them), form tables with merged
cells, page-number footers. Only the ``*_template`` modules use them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import CharacterStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .builder import insert_cell_property

SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"
BODY_PT, TABLE_PT, SMALL_PT = 12, 10.5, 9  # 小四, 五号, 小五
TEXT_WIDTH_CM = 16.0  # A4 21 cm less 2.5 cm margins each side
LANDSCAPE_WIDTH_CM = 24.7  # 29.7 cm less the same margins
FIXED_TIME = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # core properties, so rebuilds match

HEAD_FILL = "F2F2F2"  # header cells of the form tables (the level matrices have none)

TABLE_TEXT, TABLE_HEAD, TABLE_SMALL = "Table Text", "Table Head", "Table Small"
TABLE_CENTER, TABLE_SMALL_HEAD = "Table Center", "Table Small Head"
COVER_TITLE, COVER_LINE, NOTE = "Cover Title", "Cover Line", "Note"


def new_document(title: str) -> DocumentObject:
    """An empty A4 document with the house styles and a page-number footer."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.different_first_page_header_footer = True  # no page number on the cover
    _page_number_footer(section.footer.paragraphs[0])
    _styles(doc)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "dengbao", "dengbao"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    return doc


def set_fonts(
    style: CharacterStyle, east_asia: str, *, size: float | None = None, bold: bool | None = None
) -> None:
    """Latin and East-Asian fonts on a style, dropping theme fonts that would override them."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold


def _styles(doc: DocumentObject) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), SONG)

    styles = doc.styles
    normal = styles["Normal"]
    set_fonts(normal, SONG, size=BODY_PT)
    fmt = normal.paragraph_format
    fmt.first_line_indent = Pt(2 * BODY_PT)  # two characters, the Chinese convention
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), 1.5

    for name, size, before, after in (
        ("Heading 1", 16, 12, 6),
        ("Heading 2", 14, 6, 3),
        ("Heading 3", 12, 3, 0),
    ):
        heading = styles[name]
        set_fonts(heading, HEI, size=size, bold=False)
        heading.font.italic = False
        hf = heading.paragraph_format
        hf.first_line_indent = Pt(0)
        hf.space_before, hf.space_after, hf.line_spacing = Pt(before), Pt(after), 1.5
        hf.keep_with_next = True

    caption = styles["Caption"]
    set_fonts(caption, HEI, size=TABLE_PT, bold=False)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.paragraph_format.space_before, caption.paragraph_format.space_after = Pt(6), Pt(3)
    caption.paragraph_format.keep_with_next = True

    for name, east_asia, points, bold in (
        (TABLE_TEXT, SONG, TABLE_PT, False),
        (TABLE_HEAD, HEI, TABLE_PT, False),
        (TABLE_SMALL, SONG, SMALL_PT, False),
        (TABLE_CENTER, SONG, TABLE_PT, False),
        (TABLE_SMALL_HEAD, HEI, SMALL_PT, False),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        set_fonts(style, east_asia, size=points, bold=bold)
        pf = style.paragraph_format
        pf.first_line_indent, pf.line_spacing = Pt(0), 1.15
        pf.space_before = pf.space_after = Pt(1)
    styles[TABLE_HEAD].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles[TABLE_CENTER].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles[TABLE_SMALL_HEAD].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    cover = styles.add_style(COVER_TITLE, WD_STYLE_TYPE.PARAGRAPH)
    cover.base_style = normal
    set_fonts(cover, HEI, size=26, bold=False)
    cover.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cover.paragraph_format.first_line_indent = Pt(0)
    cover.paragraph_format.space_before = cover.paragraph_format.space_after = Pt(12)

    line = styles.add_style(COVER_LINE, WD_STYLE_TYPE.PARAGRAPH)
    line.base_style = normal
    set_fonts(line, SONG, size=15, bold=False)  # 小三
    line.paragraph_format.first_line_indent = Pt(0)
    line.paragraph_format.space_after = Pt(12)

    note = styles.add_style(NOTE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    set_fonts(note, SONG, size=TABLE_PT)
    note.paragraph_format.first_line_indent = Pt(0)


def _page_number_footer(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.add_run("— ")
    field(paragraph, " PAGE ", "1")
    paragraph.add_run(" —")


def _fld_char(kind: str) -> Any:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    return char


def _instr_text(instruction: str) -> Any:
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    return instr


def field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, TOC…) with the text shown until Word or LibreOffice updates it."""
    run = paragraph.add_run()
    text = OxmlElement("w:t")
    text.set(qn("xml:space"), "preserve")
    text.text = shown
    for part in (_fld_char("begin"), _instr_text(instruction), _fld_char("separate"), text, _fld_char("end")):
        run._r.append(part)


def running_header(doc: DocumentObject, text: str) -> None:
    """The header of every page after the cover (later sections inherit it), right-aligned."""
    paragraph = doc.sections[0].header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.first_line_indent = Pt(0)
    set_fonts(paragraph.add_run(text), SONG, size=TABLE_PT)


def table_of_contents(doc: DocumentObject, entries: Sequence[str], title: str = "目  录") -> None:
    """A TOC field over the level-1 and level-2 headings. Until a program updates it (Word asks to
    on opening: the document sets updateFields) it shows ``entries``, the chapter titles."""
    page_break(doc)  # the 目录 has a page of its own
    para(doc, title, COVER_LINE, center=True)
    lines = [para(doc, entry) for entry in entries] or [para(doc)]
    first, last = lines[0], lines[-1]
    begin = first.runs[0] if first.runs else first.add_run()
    for part in (_fld_char("begin"), _instr_text(' TOC \\o "1-2" \\h \\z \\u '), _fld_char("separate")):
        begin._r.addprevious(_run_with(part))
    last._p.append(_run_with(_fld_char("end")))
    settings = doc.settings.element
    update = settings.find(qn("w:updateFields"))
    if update is None:
        update = OxmlElement("w:updateFields")
        settings.append(update)
    update.set(qn("w:val"), "true")  # the heading that follows starts the next page itself


def _run_with(child) -> Any:
    run = OxmlElement("w:r")
    run.append(child)
    return run


def para(doc: DocumentObject, text: str = "", style: str | None = None, **fmt: Unpack[_Format]) -> Paragraph:
    """A paragraph of one run, so a Jinja tag never gets split between runs."""
    p = doc.add_paragraph(text, style=style)
    _format(p, **fmt)
    return p


class _Format(TypedDict, total=False):
    center: bool
    right: bool
    underline_from: int | None
    page_break: bool
    no_indent: bool


def _format(p: Paragraph, *, center: bool = False, right: bool = False, underline_from: int | None = None,
            page_break: bool = False, no_indent: bool = False) -> None:  # fmt: skip
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if center or right or no_indent:
        p.paragraph_format.first_line_indent = Pt(0)
    if page_break:
        p.paragraph_format.page_break_before = True
    if underline_from is not None and p.runs:
        text = p.runs[0].text
        p.runs[0].text = text[:underline_from]
        p.add_run(text[underline_from:]).underline = True


def labelled(
    doc: DocumentObject, label: str, value: str, style: str = COVER_LINE, tail: str = ""
) -> Paragraph:
    """'备案单位：' followed by an underlined value (the cover's fill-in lines)."""
    p = doc.add_paragraph(label, style=style)
    p.add_run(value).underline = True
    if tail:
        p.add_run(tail)
    return p


def page_break(doc: DocumentObject) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def loop_paragraphs(doc: DocumentObject, items: str, var: str = "para", style: str | None = None) -> None:
    """{%p for %} over a list of strings: one Word paragraph per element."""
    para(doc, f"{{%p for {var} in {items} %}}")
    para(doc, f"{{{{ {var} }}}}", style)
    para(doc, "{%p endfor %}")


@dataclass(frozen=True)
class C:
    """One cell of a form row: text (str, or lines for several paragraphs), grid columns
    spanned, vertical merge ("restart" starts a merged block, "continue" joins the one above),
    ``head`` for a shaded header cell, or an explicit paragraph style."""

    text: str | Sequence[str] = ""
    span: int = 1
    vmerge: str = ""
    head: bool = False
    style: str = ""


def form_table(doc: DocumentObject, widths_cm: Sequence[float], rows: Sequence[Sequence[C | str]]) -> Table:
    """A bordered table on a fixed grid; each row lists its cells left to right."""
    table = doc.add_table(rows=0, cols=len(widths_cm))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for n, spec in enumerate(rows):
        cells = [c if isinstance(c, C) else C(c) for c in spec]
        if sum(c.span for c in cells) != len(widths_cm):
            raise ValueError(f"row spans {sum(c.span for c in cells)} of {len(widths_cm)} columns: {cells}")
        # Rows are built as XML: python-docx's row.cells/merge follow vertical merges to the
        # cell above, which would write into the wrong cell here.
        tr = table._tbl.add_tr()
        # a row is never split across pages; a heading row is repeated on each page of a long table
        _row_property(tr, "w:cantSplit")
        if n == 0 and all(c.head or c.style in (TABLE_HEAD, TABLE_SMALL_HEAD) for c in cells):
            _row_property(tr, "w:tblHeader")
        col = 0
        for cell_spec in cells:
            tc = tr.add_tc()
            tc.width = Cm(sum(widths_cm[col : col + cell_spec.span]))
            tc.get_or_add_tcPr().grid_span = cell_spec.span
            _fill(_Cell(tc, table), cell_spec)
            col += cell_spec.span
    return table


def _row_property(tr: Any, tag: str) -> None:
    tr_pr = tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is None:
        tr_pr.append(OxmlElement(tag))


def loop_rows(items: str, var: str, cols: int) -> tuple[list[C], list[C]]:
    """The {%tr for %} / {%tr endfor %} rows around a repeated table row."""
    return [C(f"{{%tr for {var} in {items} %}}", span=cols)], [C("{%tr endfor %}", span=cols)]


def _fill(cell: _Cell, spec: C) -> None:
    lines = [spec.text] if isinstance(spec.text, str) else list(spec.text)
    style = spec.style or (TABLE_HEAD if spec.head else TABLE_TEXT)
    first = cell.paragraphs[0]
    first.style = style
    if lines[0]:
        first.add_run(lines[0])
    for line in lines[1:]:
        cell.add_paragraph(line, style=style)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    tc_pr = cell._tc.get_or_add_tcPr()
    if spec.vmerge:
        merge = OxmlElement("w:vMerge")
        if spec.vmerge == "restart":
            merge.set(qn("w:val"), "restart")
        insert_cell_property(tc_pr, merge)
    if spec.head:
        shade = OxmlElement("w:shd")
        for attr, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", HEAD_FILL)):
            shade.set(qn(attr), value)
        insert_cell_property(tc_pr, shade)


def section_break(doc: DocumentObject, *, landscape: bool) -> None:
    """End the current section here; what follows is on a new page in the given orientation,
    with page numbers on every page (only the document's first section hides the cover's)."""
    doc.add_section(WD_SECTION.NEW_PAGE)
    section = doc.sections[-1]
    section.different_first_page_header_footer = False
    orient(section, landscape=landscape)


def orient(section: Section, *, landscape: bool) -> None:
    width, height = section.page_width, section.page_height
    assert width is not None and height is not None  # new_document's A4 page, copied to each section
    short, long = sorted((width, height))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
