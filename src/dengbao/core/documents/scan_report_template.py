"""The 漏洞扫描报告 template, built with ``template_kit``; the wording is the project's own."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from . import scan_report as rendering
from .kinds import TemplateKind
from .template_kit import (
    COVER_LINE,
    COVER_TITLE,
    TABLE_CENTER,
    TABLE_SMALL,
    TABLE_SMALL_HEAD,
    C,
    form_table,
    loop_rows,
    new_document,
    para,
)

SEVERITY_KEYS = ("critical", "high", "medium", "low", "info")
HOST_HEADS = ("主机 / 网址", "严重", "高", "中", "低", "信息", "合计")


def scan_report() -> DocumentObject:
    doc = new_document("漏洞扫描报告")
    para(doc, "", COVER_LINE).paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 6
    para(doc, "{{ client }}", COVER_TITLE)
    para(doc, "漏洞扫描报告", COVER_TITLE)
    para(doc, "{{ title }}", COVER_LINE, center=True)
    spacer = para(doc, "", COVER_LINE)
    spacer.paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    para(doc, "服务单位：{{ agency }}", COVER_LINE, center=True)
    para(doc, "报告日期：{{ report_date }}", COVER_LINE, center=True)

    para(doc, "1 概述", "Heading 1", page_break=True)
    para(
        doc,
        "受{{ client }}委托，{{ agency }}在书面授权范围内对其信息系统开展漏洞扫描，"
        "发现可被利用的安全漏洞并提出修复建议。扫描仅针对授权的目标、端口和时间窗口进行。",
    )
    form_table(
        doc,
        [3.6, 12.4],
        [
            [C("扫描名称", head=True), C("{{ title }}")],
            [C("扫描时间", head=True), C("{{ period }}")],
            [C("扫描工具", head=True), C("{{ tools }}")],
            [C("扫描范围", head=True), C("{{ targets }}")],
            [C("授权依据", head=True), C("{{ authorisation }}")],
        ],
    )

    para(doc, "2 扫描结果汇总", "Heading 1")
    para(doc, "{{ summary }}")
    opening, closing = loop_rows("counts", "c", 2)
    form_table(
        doc,
        [8.0, 8.0],
        [
            [C("漏洞等级", head=True), C("数量", head=True)],
            opening,
            [C("{{ c.severity }}", style=TABLE_CENTER), C("{{ c.n }}", style=TABLE_CENTER)],
            closing,
            [C("合计", head=True), C("{{ total }}", style=TABLE_CENTER)],
        ],
    )
    para(doc, "{%p if severity_chart %}")
    para(doc, "{{ severity_chart }}", center=True)
    para(doc, "{%p endif %}")
    para(doc, "各主机的漏洞分布（共 {{ hosts_total }} 个）：")
    opening, closing = loop_rows("hosts", "h", 7)
    form_table(
        doc,
        [4.6, 1.8, 1.8, 1.8, 1.8, 1.8, 2.4],
        [
            [C(t, style=TABLE_SMALL_HEAD, head=True) for t in HOST_HEADS],
            opening,
            [C("{{ h.host }}", style=TABLE_SMALL),
             *(C(f"{{{{ h.{k} }}}}", style=TABLE_CENTER) for k in (*SEVERITY_KEYS, "total"))],
            closing,
        ],
    )  # fmt: skip

    para(doc, "3 漏洞详情", "Heading 1", page_break=True)
    para(doc, "按漏洞等级列出每一处漏洞的位置、名称、编号与修复建议。")
    para(doc, "{{ details }}")

    para(doc, "4 开放端口与服务", "Heading 1", page_break=True)
    para(doc, "{{ services }}")

    para(doc, "5 整改建议", "Heading 1", page_break=True)
    para(doc, "{%p if advice %}")
    para(doc, "按漏洞（同一检测规则）归并，严重和高危漏洞在前：")
    para(doc, "{%p for a in advice %}")
    para(doc, "（{{ loop.index }}）【{{ a.severity }}】{{ a.title }}（{{ a.places }} 处）：{{ a.solution }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p else %}")
    para(doc, "本次扫描未发现需要修复的漏洞，建议保持现有补丁与配置管理，并按计划定期扫描。")
    para(doc, "{%p endif %}")
    return doc


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "scan-report.docx": scan_report,
}


def _sample() -> dict:
    from .report_samples import sample_scan_input

    return rendering.scan_report_context(sample_scan_input())


TEMPLATES = (
    TemplateKind("scan_report", "漏洞扫描报告", rendering.TEMPLATE, _sample, pictures=("severity_chart",)),
)
