"""Templates of the 安全巡检及加固记录 and the 应急响应记录, built with ``template_kit``."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from . import monitoring_report as monitoring_rendering
from . import report_samples as sample
from . import service_records
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


def _head(*texts: str) -> list[C]:
    return [C(t, style=TABLE_SMALL_HEAD, head=True) for t in texts]


def _small(*texts: str) -> list[C]:
    return [C(t, style=TABLE_SMALL) for t in texts]


def _pair(label: str, value: str) -> list[C]:
    return [C(label, head=True), C(value)]


def _centre(text: str) -> C:
    return C(text, style=TABLE_CENTER)


_OUTCOMES = "正常 {{ totals.normal }} 项，异常 {{ totals.abnormal }} 项，未检查 {{ totals.unchecked }} 项"


def inspection_record() -> DocumentObject:
    doc = new_document("安全巡检及加固记录")
    para(doc, "{{ contract.client }}", COVER_TITLE)
    para(doc, "安全巡检及加固记录", COVER_TITLE)
    para(doc, "巡检日期：{{ visit.visited_on }}　　巡检人：{{ visit.inspector }}", COVER_LINE, center=True)
    form_table(
        doc,
        [3.2, 12.8],
        [
            [C("项目", head=True), C("{{ project.name }}（合同 {{ contract.number }}）")],
            [C("服务单位", head=True), C("{{ contract.provider }}")],
            [C("在场人员", head=True), C("{{ visit.participants }}")],
            [C("巡检对象", head=True), C("{{ totals.objects }} 个")],
            [C("检查结果", head=True), C(_OUTCOMES)],
            [C("总结", head=True), C("{{ visit.summary }}")],
        ],
    )  # fmt: skip
    para(doc, "一、巡检结果", "Heading 1")
    para(doc, "{%p for o in objects %}")
    para(
        doc,
        "{{ loop.index }}. {{ o.type }} {{ o.name }}{% if o.system %}（{{ o.system }}）{% endif %}",
        "Heading 2",
    )
    opening, closing = loop_rows("o.results", "r", 5)
    form_table(
        doc,
        [2.2, 5.0, 3.6, 1.6, 3.6],
        [
            _head("类别", "检查内容", "正常标准", "结果", "说明"),
            opening,
            [*_small("{{ r.category }}", "{{ r.item }}", "{{ r.expected }}"),
             C("{{ r.outcome_label }}", style=TABLE_CENTER), *_small("{{ r.note }}")],
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p endfor %}")
    para(doc, "二、异常项", "Heading 1")
    para(doc, "{%p if abnormal %}")
    opening, closing = loop_rows("abnormal", "a", 3)
    form_table(
        doc,
        [4.0, 6.0, 6.0],
        [
            _head("对象", "检查内容", "说明"),
            opening,
            _small("{{ a.object }}", "{{ a.item }}", "{{ a.note }}"),
            closing,
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "本次巡检未发现异常。")
    para(doc, "{%p endif %}")
    para(doc, "三、安全加固", "Heading 1")
    para(doc, "{%p for h in hardening %}")
    para(doc, "{{ loop.index }}. {{ h.title }}（{{ h.status_label }}）", "Heading 2")
    para(doc, "对象：{{ h.object }}　　依据：{{ h.manual_part }} {{ h.measure }}")
    para(doc, "{%p for s in h.steps %}")
    para(
        doc,
        "（{{ s.position }}）{{ s.text }}{% if s.done_at %}　✔ {{ s.done_by }} {{ s.done_at }}{% endif %}",
    )
    para(doc, "{%p endfor %}")
    para(doc, "验证：{{ h.verify_method }}　{{ h.verification }}　{{ h.verified_by }} {{ h.verified_at }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if not hardening %}")
    para(doc, "本次巡检未安排安全加固。")
    para(doc, "{%p endif %}")
    para(doc, "")
    para(doc, "巡检人签字：　　　　　　　　客户确认签字：　　　　　　　　日期：", no_indent=True)
    return doc


def ticket_record() -> DocumentObject:
    doc = new_document("应急响应记录")
    para(doc, "{{ contract.client }}", COVER_TITLE)
    para(doc, "应急响应记录", COVER_TITLE)
    para(doc, "工单 {{ ticket.number }}", COVER_LINE, center=True)
    form_table(
        doc,
        [3.2, 4.8, 3.2, 4.8],
        [
            [C("事件", head=True), C("{{ ticket.title }}", span=3)],
            [*_pair("类型", "{{ ticket.kind_label }}"), *_pair("优先级", "{{ ticket.priority }}")],
            [*_pair("来源", "{{ ticket.source_label }}"), *_pair("状态", "{{ ticket.status_label }}")],
            [*_pair("报告人", "{{ ticket.opened_by }}"), *_pair("报告时间", "{{ ticket.opened_at }}")],
            [*_pair("处理人", "{{ ticket.assignee }}"), *_pair("涉及系统", "{{ systems_text }}")],
            [C("事件描述", head=True), C("{{ ticket.description }}", span=3)],
        ],
    )  # fmt: skip
    para(doc, "一、处置经过", "Heading 1")
    opening, closing = loop_rows("timeline", "e", 4)
    form_table(
        doc,
        [3.4, 2.6, 2.6, 7.4],
        [_head("时间", "事项", "人员", "说明"), opening,
         _small("{{ e.at }}", "{{ e.kind_label }}", "{{ e.by }}", "{{ e.note }}"), closing],
    )  # fmt: skip
    para(doc, "二、服务时限", "Heading 1")
    para(doc, "{{ sla_text }}。")
    opening, closing = loop_rows("clocks", "c", 5)
    form_table(
        doc,
        [3.6, 2.6, 2.6, 3.0, 4.2],
        [
            _head("时限", "要求（分钟）", "用时（分钟）", "状态", "超时时间"),
            opening,
            [*_small("{{ c.target_label }}"), _centre("{{ c.limit_minutes }}"),
             _centre("{{ c.elapsed_minutes }}"), *_small("{{ c.state_label }}", "{{ c.breached_at }}")],
            closing,
        ],
    )  # fmt: skip
    para(doc, "三、总结报告", "Heading 1")
    para(doc, "{{ ticket.closing_report }}")
    para(doc, "")
    para(doc, "处理人签字：　　　　　　　　客户确认签字：　　　　　　　　日期：", no_indent=True)
    return doc


def monitoring_report() -> DocumentObject:
    doc = new_document("网站监测月报")
    para(doc, "{{ client }}", COVER_TITLE)
    para(doc, "网站监测月报", COVER_TITLE)
    para(doc, "{{ title }}", COVER_LINE, center=True)
    para(doc, "服务单位：{{ agency }}", COVER_LINE, center=True)
    para(doc, "一、总体情况", "Heading 1")
    para(doc, "{{ summary }}")
    para(doc, "{%p if uptime_chart %}")
    para(doc, "{{ uptime_chart }}", center=True)
    para(doc, "{%p endif %}")
    para(doc, "二、各站点可用性", "Heading 1")
    opening, closing = loop_rows("rows", "r", 7)
    form_table(
        doc,
        [0.9, 3.0, 4.6, 1.6, 1.8, 2.0, 2.1],
        [
            _head("序号", "站点", "网址", "检查次数", "可用率", "平均响应", "不可用时长"),
            opening,
            [*_small("{{ r.n }}", "{{ r.name }}", "{{ r.url }}"), _centre("{{ r.checks }}"),
             _centre("{{ r.uptime }}"), _centre("{{ r.response }}"), _centre("{{ r.downtime }}")],
            closing,
        ],
    )  # fmt: skip
    para(doc, "三、事件", "Heading 1")
    para(doc, "{%p if incident_rows %}")
    opening, closing = loop_rows("incident_rows", "r", 3)
    form_table(
        doc,
        [4.0, 2.0, 10.0],
        [_head("站点", "事件数", "类型"), opening,
         [*_small("{{ r.name }}"), _centre("{{ r.incidents }}"), *_small("{{ r.incident_text }}")], closing],
    )  # fmt: skip
    para(doc, "{%p else %}")
    para(doc, "本月未发生不可用、篡改或证书事件。")
    para(doc, "{%p endif %}")
    return doc


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "inspection-record.docx": inspection_record,
    "ticket-record.docx": ticket_record,
    "monitoring-report.docx": monitoring_report,
}
TEMPLATES = (
    TemplateKind(
        "inspection_record",
        "安全巡检及加固记录",
        service_records.INSPECTION_TEMPLATE,
        lambda: service_records.inspection_context(sample.sample_inspection_record()),
    ),
    TemplateKind(
        "ticket_record",
        "应急响应记录",
        service_records.TICKET_TEMPLATE,
        lambda: service_records.ticket_context(sample.sample_ticket_record()),
    ),
    TemplateKind(
        "monitoring_report",
        "网站监测月报",
        monitoring_rendering.TEMPLATE,
        lambda: monitoring_rendering.monitoring_context(sample.sample_monitoring_month()),
        pictures=("uptime_chart",),
    ),
)
