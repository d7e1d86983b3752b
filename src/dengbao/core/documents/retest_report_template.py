"""The 复测对比报告 template, built with ``template_kit``."""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.shared import Pt

from . import retest_report as rendering
from . import samples
from .gap_list_template import cells, cover, list_table, none_rows
from .kinds import TemplateKind
from .template_kit import TABLE_SMALL, TABLE_SMALL_HEAD, C, loop_paragraphs, new_document, para

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
    rounds = ("{{ before.label }}", "{{ after.label }}")
    comparison = [C("{{ r.name }}"), *cells("r", ("before", "after"))]
    list_table(doc, [6.0, 5.0, 5.0], ("项目", *rounds), "comparison", "r", comparison)

    doc.add_heading("二、复测结论", 1)
    loop_paragraphs(doc, "conclusion")

    doc.add_heading("三、各安全类对比", 1)
    para(doc, "各安全类在两轮测评中的符合率见表2；不适用的安全类以“—”表示。")
    para(doc, "表2　各安全类符合率对比", "Caption")
    list_table(
        doc,
        [1.2, 5.2, 3.2, 3.2, 3.2],
        ("序号", "安全类", *rounds, "变化"),
        "category_rows",
        "c",
        [*cells("c", ("index",)), C("{{ c.name }}"), *cells("c", ("before", "after", "change"))],
    )
    para(doc, "{%p if category_chart %}")
    para(doc, "{{ category_chart }}", center=True).paragraph_format.space_before = Pt(6)
    para(doc, "图1　各安全类符合率对比", "Caption")
    para(doc, "{%p endif %}")

    doc.add_heading("四、测评结果变化明细", 1)
    para(doc, "{{ change_summary }}")
    para(doc, "表3　测评结果变化明细", "Caption")
    list_table(
        doc,
        CHANGE_WIDTHS,
        ("序号", "测评对象", "测评单元", "测评项", *rounds, "变化"),
        "changes",
        "x",
        [
            *cells("x", ("index",), TABLE_SMALL_HEAD),
            *cells("x", ("obj", "unit", "requirement"), TABLE_SMALL),
            *cells("x", ("before", "after", "trend"), TABLE_SMALL_HEAD),
        ],
        after=none_rows("changes", len(CHANGE_WIDTHS)),
        head_style=TABLE_SMALL_HEAD,
    )

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
        list_table(
            doc,
            PROBLEM_WIDTHS,
            ("序号", "安全类", "控制点", "测评项", "风险等级", "整改状态"),
            items,
            "p",
            [
                *cells("p", ("index",), TABLE_SMALL_HEAD),
                *cells("p", ("category", "control_point", "item"), TABLE_SMALL),
                C("{% cellbg p.risk_fill %}{{ p.risk }}", style=TABLE_SMALL_HEAD),
                *cells("p", ("status",), TABLE_SMALL_HEAD),
            ],
            after=none_rows(items, len(PROBLEM_WIDTHS)),
            head_style=TABLE_SMALL_HEAD,
        )
    return doc


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "retest-report.docx": retest_report,
}
TEMPLATES = (
    TemplateKind(
        "retest_report",
        "复测对比报告",
        rendering.TEMPLATE,
        lambda: rendering.retest_report_context(samples.RETEST),
        pictures=("category_chart",),
    ),
)
