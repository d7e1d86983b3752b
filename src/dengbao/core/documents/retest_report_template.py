"""The 复测对比报告 template, built with ``template_kit``."""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.shared import Pt

from .gap_list_template import cover, head_row, none_rows, repeat_header
from .template_kit import (
    TABLE_CENTER,
    TABLE_SMALL,
    TABLE_SMALL_HEAD,
    C,
    form_table,
    loop_paragraphs,
    loop_rows,
    new_document,
    para,
)

# 序号 测评对象 测评单元 测评项 复测前 复测后 变化 — 16 cm portrait
CHANGE_WIDTHS = (0.9, 2.6, 2.2, 5.5, 1.7, 1.7, 1.4)
# 序号 安全类 控制点 测评项 风险等级 整改状态
PROBLEM_WIDTHS = (1.0, 2.2, 2.2, 6.6, 1.6, 2.4)


def retest_report() -> DocumentObject:
    """复测对比报告: cover, 一 复测概述, 二 复测结论, 三 各安全类对比 (table and chart),
    四 测评结果变化明细, 五 安全问题整改情况 (fixed, still open, new)."""
    doc = new_document("复测对比报告")
    cover(doc, "复测对比报告")

    para(doc, "一、复测概述", "Heading 1", page_break=True)
    para(
        doc,
        "{{ subject.assessment }}{{ before.label }}完成后，{{ subject.client }}按安全整改方案对发现的安全问题"
        "进行了整改。{{ subject.agency }}于整改后开展{{ after.label }}，对定级对象{{ subject.systems_text }}"
        "重新测评。本报告对比两轮测评的{{ figure_name }}、测评结论、各安全类的符合率和每个测评结果的变化，"
        "并列出已整改、仍存在和新发现的安全问题。",
    )
    para(doc, "表1　两轮测评总体对比", "Caption")
    opening, closing = loop_rows("comparison", "r", 3)
    form_table(
        doc,
        [6.0, 5.0, 5.0],
        [
            head_row(("项目", "{{ before.label }}", "{{ after.label }}")),
            opening,
            [
                C("{{ r.name }}"),
                C("{{ r.before }}", style=TABLE_CENTER),
                C("{{ r.after }}", style=TABLE_CENTER),
            ],
            closing,
        ],
    )

    doc.add_heading("二、复测结论", 1)
    loop_paragraphs(doc, "conclusion")

    doc.add_heading("三、各安全类对比", 1)
    para(doc, "各安全类在两轮测评中的符合率见表2；不适用的安全类以“—”表示。")
    para(doc, "表2　各安全类符合率对比", "Caption")
    opening, closing = loop_rows("category_rows", "c", 5)
    categories = form_table(
        doc,
        [1.2, 5.2, 3.2, 3.2, 3.2],
        [
            head_row(("序号", "安全类", "{{ before.label }}", "{{ after.label }}", "变化")),
            opening,
            [C("{{ c.index }}", style=TABLE_CENTER), C("{{ c.name }}"),
             *(C(f"{{{{ c.{k} }}}}", style=TABLE_CENTER) for k in ("before", "after", "change"))],
            closing,
        ],
    )  # fmt: skip
    repeat_header(categories)
    para(doc, "{%p if category_chart %}")
    para(doc, "{{ category_chart }}", center=True).paragraph_format.space_before = Pt(6)
    para(doc, "图1　各安全类符合率对比", "Caption")
    para(doc, "{%p endif %}")

    doc.add_heading("四、测评结果变化明细", 1)
    para(doc, "{{ change_summary }}")
    para(doc, "表3　测评结果变化明细", "Caption")
    opening, closing = loop_rows("changes", "x", len(CHANGE_WIDTHS))
    fields = ("index", "obj", "unit", "requirement", "before", "after", "trend")
    small, centred = TABLE_SMALL, TABLE_SMALL_HEAD
    styles = (centred, small, small, small, centred, centred, centred)
    heads = ("序号", "测评对象", "测评单元", "测评项", "{{ before.label }}", "{{ after.label }}", "变化")
    table = form_table(
        doc,
        CHANGE_WIDTHS,
        [
            head_row(heads, TABLE_SMALL_HEAD),
            opening,
            [C(f"{{{{ x.{f} }}}}", style=s) for f, s in zip(fields, styles, strict=True)],
            closing,
            *none_rows("changes", len(CHANGE_WIDTHS)),
        ],
    )
    repeat_header(table)

    doc.add_heading("五、安全问题整改情况", 1)
    para(doc, "{{ problem_summary }}")
    for number, (heading, items) in enumerate(
        (
            ("（一）已整改的问题", "fixed_rows"),
            ("（二）仍存在的问题", "open_rows"),
            ("（三）复测新发现的问题", "new_rows"),
        ),
        4,
    ):
        doc.add_heading(heading, 2)
        para(doc, f"表{number}　{heading[3:]}", "Caption")
        opening, closing = loop_rows(items, "p", len(PROBLEM_WIDTHS))
        table = form_table(
            doc,
            PROBLEM_WIDTHS,
            [
                head_row(("序号", "安全类", "控制点", "测评项", "风险等级", "整改状态"), TABLE_SMALL_HEAD),
                opening,
                [C("{{ p.index }}", style=TABLE_SMALL_HEAD), C("{{ p.category }}", style=TABLE_SMALL),
                 C("{{ p.control_point }}", style=TABLE_SMALL), C("{{ p.item }}", style=TABLE_SMALL),
                 C("{% cellbg p.risk_fill %}{{ p.risk }}", style=TABLE_SMALL_HEAD),
                 C("{{ p.status }}", style=TABLE_SMALL_HEAD)],
                closing,
                *none_rows(items, len(PROBLEM_WIDTHS)),
            ],
        )  # fmt: skip
        repeat_header(table)
    return doc
