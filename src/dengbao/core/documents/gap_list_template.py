"""The 差距分析问题列表 (Word) template, built with ``template_kit``; also the cover and table
helpers the 安全整改方案 and 复测对比报告 templates share with it."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.table import Table

from ..problems import GAP_COLUMNS
from . import gap_list_doc as rendering
from . import samples
from .kinds import TemplateKind
from .template_kit import (
    COVER_LINE,
    COVER_TITLE,
    TABLE_CENTER,
    TABLE_HEAD,
    TABLE_SMALL,
    TABLE_SMALL_HEAD,
    C,
    form_table,
    labelled,
    loop_rows,
    new_document,
    para,
    section_break,
)

BASIC_REQUIREMENTS = "GB/T 22239-2019《信息安全技术 网络安全等级保护基本要求》"
TEST_REQUIREMENTS = "GB/T 28448-2019《信息安全技术 网络安全等级保护测评要求》"
STANDARDS = f"{BASIC_REQUIREMENTS}和 {TEST_REQUIREMENTS}"
GUIDE = "《网络安全等级保护测评高风险判定实施指引（试行）》"

# The Excel list's columns (GAP_COLUMNS), its widths in cm of a landscape page (24.7 cm)
GAP_HEADS = tuple(name for name, _ in GAP_COLUMNS)
GAP_WIDTHS = (0.9, 1.8, 1.8, 4.0, 2.4, 4.7, 1.2, 2.4, 4.0, 1.5)


def cover(doc: DocumentObject, title: str) -> None:
    """Title page: the assessment and the document's name, then unit, agency and date."""
    para(doc, "", COVER_LINE).paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 6
    para(doc, "{{ subject.assessment }}", COVER_TITLE)
    para(doc, title, COVER_TITLE)
    spacer = para(doc, "", COVER_LINE)
    spacer.paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    for label, value in (
        ("被测单位：", "{{ subject.client }}"),
        ("定级对象：", "{{ subject.systems_text }}"),
        ("安全保护等级：", "{{ subject.level_text }}"),
        ("测评机构：", "{{ subject.agency }}"),
        ("编制日期：", "{{ subject.date }}"),
    ):
        p = labelled(doc, label, value)
        p.paragraph_format.left_indent = doc.styles[COVER_LINE].font.size * 4


def head_row(texts: Sequence[str], style: str = TABLE_HEAD) -> list[C]:
    return [C(text, head=True, style=style) for text in texts]


def none_rows(items: str, cols: int, text: str = "无") -> list[list[C]]:
    """A row saying "无" that shows only when ``items`` is empty (placed after its loop)."""
    return [
        [C(f"{{%tr if not {items} %}}", span=cols)],
        [C(text, span=cols, style=TABLE_CENTER)],
        [C("{%tr endif %}", span=cols)],
    ]


def repeat_header(table: Table, rows: int = 1) -> Table:
    """Mark the first ``rows`` rows as the header Word repeats on every page of a long table."""
    for tr in table._tbl.tr_lst[:rows]:
        tr_pr = tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        tr_pr.append(header)
    return table


def cells(var: str, fields: Sequence[str], style: str = TABLE_CENTER) -> list[C]:
    """One ``{{ var.field }}`` cell per field."""
    return [C(f"{{{{ {var}.{f} }}}}", style=style) for f in fields]


def list_table(
    doc: DocumentObject,
    widths: Sequence[float],
    heads: Sequence[str],
    items: str,
    var: str,
    row: Sequence[C],
    *,
    after: Sequence[Sequence[C]] = (),
    head_style: str = TABLE_HEAD,
) -> Table:
    """A header (repeated on every page), ``row`` once per element of ``items``, then ``after``
    (a total, a "无" row)."""
    opening, closing = loop_rows(items, var, len(widths))
    table = form_table(doc, widths, [head_row(heads, head_style), opening, list(row), closing, *after])
    return repeat_header(table)


def gap_table(doc: DocumentObject, items: str = "rows", var: str = "row") -> Table:
    """The problem table of the Excel list's columns, one row per element of ``items``."""
    row = [
        C(f"{{{{ {var}.index }}}}", style=TABLE_SMALL_HEAD),
        *cells(var, ("category", "control_point", "item", "objects", "description"), TABLE_SMALL),
        C(f"{{% cellbg {var}.risk_fill %}}{{{{ {var}.risk }}}}", style=TABLE_SMALL_HEAD),
        *cells(var, ("case", "remediation"), TABLE_SMALL),
        C(f"{{{{ {var}.status }}}}", style=TABLE_SMALL_HEAD),
    ]
    return list_table(doc, GAP_WIDTHS, GAP_HEADS, items, var, row, head_style=TABLE_SMALL_HEAD)


def gap_list() -> DocumentObject:
    """差距分析问题列表: cover, 一 说明, 二 问题统计 (risk, 安全类, status), 三 问题列表 (landscape)."""
    doc = new_document("差距分析问题列表")
    cover(doc, "差距分析问题列表")

    para(doc, "一、说明", "Heading 1", page_break=True)
    para(
        doc,
        "本列表为{{ subject.scope }}的差距分析结果。测评依据"
        f"{STANDARDS}，对定级对象{{{{ subject.systems_text }}}}逐项开展测评，测评结果为“部分符合”"
        "或“不符合”的测评项，每项列为一个安全问题。",
    )
    para(
        doc,
        f"风险等级分为高、中、低三级：经确认适用{GUIDE}所列判例的问题为高风险；其余存在“不符合”结果的"
        "问题一般为中风险，仅存在“部分符合”结果的问题一般为低风险，测评人员可结合问题的实际影响调整。"
        "“高风险判例”一栏列出适用判例的编号与名称，适用条件尚待确认的注明“待确认”，经分析不构成高风险的"
        "注明理由。",
    )
    para(
        doc,
        "整改状态为本列表编制时的状态。本列表供被测单位制定整改计划使用；整改完成后，由测评机构复测核实。",
    )

    doc.add_heading("二、问题统计", 1)
    para(doc, "{{ summary }}")
    doc.add_heading("（一）按风险等级统计", 2)
    para(doc, "表1　安全问题风险等级分布", "Caption")
    shares = [6.0, 5.0, 5.0]
    list_table(
        doc,
        shares,
        ("风险等级", "问题数量", "占比"),
        "risk_rows",
        "r",
        cells("r", ("risk", "count", "share")),
    )

    doc.add_heading("（二）按安全类统计", 2)
    para(doc, "表2　各安全类安全问题数量", "Caption")
    numbers = ("high", "medium", "low", "total")
    list_table(
        doc,
        [1.4, 5.4, 2.3, 2.3, 2.3, 2.3],
        ("序号", "安全类", "高风险", "中风险", "低风险", "合计"),
        "category_rows",
        "c",
        [*cells("c", ("index",)), C("{{ c.category }}"), *cells("c", numbers)],
        after=[[C("合计", span=2, style=TABLE_HEAD), *cells("category_total", numbers)]],
    )

    doc.add_heading("（三）按整改状态统计", 2)
    para(doc, "表3　安全问题整改状态", "Caption")
    list_table(
        doc,
        shares,
        ("整改状态", "问题数量", "占比"),
        "status_rows",
        "s",
        cells("s", ("status", "count", "share")),
    )

    section_break(doc, landscape=True)
    doc.add_heading("三、问题列表", 1)
    para(doc, "表4　差距分析问题列表（{{ subject.round_label }}，共 {{ total }} 项）", "Caption")
    gap_table(doc)
    return doc


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "gap-list.docx": gap_list,
}
TEMPLATES = (
    TemplateKind(
        "gap_list",
        "差距分析问题列表（Word）",
        rendering.TEMPLATE,
        lambda: rendering.gap_list_context(rendering.GapListData(samples.PLAN_SUBJECT, samples.GAP_ROWS)),
    ),
)
