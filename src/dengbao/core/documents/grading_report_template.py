"""The 定级报告 template (2025 structure, MLPS-FACTS §5.3), built with ``template_kit``."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from ..grading import DEGREES
from . import grading_report as rendering
from . import samples
from .kinds import TemplateKind
from .template_kit import (
    COVER_LINE,
    COVER_TITLE,
    TABLE_CENTER,
    TABLE_HEAD,
    C,
    form_table,
    loop_paragraphs,
    loop_rows,
    new_document,
    para,
)


def grading_report() -> DocumentObject:
    """定级报告, 2025 structure: cover, 一 定级对象描述, 二 等级确定 with both matrices, 三 结果."""
    doc = new_document("网络安全等级保护定级报告")
    para(doc, "", COVER_LINE).paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    para(doc, "{{ system.name }}", COVER_TITLE)
    para(doc, "网络安全等级保护定级报告", COVER_TITLE)
    spacer = para(doc, "", COVER_LINE)
    spacer.paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 10
    para(doc, "{{ unit.name }}", COVER_LINE, center=True)
    para(doc, "{{ report_date }}", COVER_LINE, center=True)

    para(doc, "一、定级对象描述", "Heading 1", page_break=True)
    doc.add_heading("（一）责任主体", 2)
    loop_paragraphs(doc, "responsible_subject")
    doc.add_heading("（二）定级对象构成", 2)
    loop_paragraphs(doc, "composition")
    para(doc, "{%p if topology %}")
    para(doc, "{{ topology }}", center=True)
    para(doc, "图1　{{ system.name }}网络拓扑结构", "Caption")
    para(doc, "{%p endif %}")
    doc.add_heading("（三）承载业务", 2)
    loop_paragraphs(doc, "carried_business")
    doc.add_heading("（四）承载数据", 2)
    loop_paragraphs(doc, "carried_data")
    doc.add_heading("（五）安全责任", 2)
    loop_paragraphs(doc, "security_responsibility")

    doc.add_heading("二、安全保护等级确定", 1)
    _dimension(doc, "business", "业务信息", "（一）", 1)
    _dimension(doc, "service", "系统服务", "（二）", 2)

    doc.add_heading("三、安全保护等级", 1)
    para(doc, "{{ summary }}")
    para(doc, "表3　定级结果", "Caption")
    head = [
        C(text, style=TABLE_HEAD)
        for text in ("定级对象名称", "业务信息安全保护等级", "系统服务安全保护等级", "安全保护等级")
    ]
    values = [
        "{{ system.name }}",
        "{{ business.level_name }}",
        "{{ service.level_name }}",
        "{{ level_name }}",
    ]
    form_table(doc, [3.4, 4.2, 4.2, 4.2], [head, [C(v, style=TABLE_CENTER) for v in values]])
    return doc


def _dimension(doc: DocumentObject, key: str, subject: str, number: str, table: int) -> None:
    doc.add_heading(f"{number}{subject}安全保护等级的确定", 2)
    doc.add_heading(f"1、{subject}描述", 3)
    loop_paragraphs(doc, f"{key}.description")
    doc.add_heading(f"2、{subject}受到破坏时所侵害客体的确定", 3)
    para(doc, f"{{{{ {key}.objects_text }}}}")
    doc.add_heading(f"3、{subject}受到破坏时对侵害客体的侵害程度的确定", 3)
    loop_paragraphs(doc, f"{key}.degree_texts")
    para(doc, f"{{{{ {key}.conclusion }}}}")
    para(doc, f"表{table}　{subject}安全保护等级矩阵", "Caption")
    opening, closing = loop_rows(f"{key}.matrix", "row", 4)
    cells = [
        C(f"{{% cellbg row.cells[{i}].fill %}}{{{{ row.cells[{i}].text }}}}", style=TABLE_CENTER)
        for i in range(3)
    ]
    form_table(
        doc,
        [5.8, 3.4, 3.4, 3.4],
        [
            [
                C(f"{subject}受到破坏时所侵害的客体", vmerge="restart", style=TABLE_HEAD),
                C("对相应客体的侵害程度", span=3, style=TABLE_HEAD),
            ],
            [C("", vmerge="continue"), *(C(d.full_name, style=TABLE_HEAD) for d in DEGREES)],
            opening,
            [C("{{ row.object }}"), *cells],
            closing,
        ],
    )


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "grading-report-2025.docx": grading_report,
}
TEMPLATES = (
    TemplateKind(
        "grading_report",
        "定级报告（2025 版）",
        rendering.TEMPLATE,
        lambda: rendering.grading_report_context(samples.UNIT, samples.SYSTEM, samples.RECORD),
        pictures=("topology",),
    ),
)
