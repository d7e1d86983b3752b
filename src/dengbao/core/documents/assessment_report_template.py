"""The 网络安全等级测评报告 template (chapters of MLPS-FACTS §4.1–4.2), built with ``template_kit``.

The wording is the project's own; the chapter and appendix titles are the official ones.
"""

from __future__ import annotations

from docx.document import Document as DocumentObject

from . import assessment_report as rendering
from .assessment_report import CHAPTERS
from .kinds import TemplateKind
from .template_kit import (
    COVER_LINE,
    COVER_TITLE,
    NOTE,
    TABLE_CENTER,
    TABLE_HEAD,
    TABLE_SMALL,
    TABLE_SMALL_HEAD,
    C,
    form_table,
    loop_paragraphs,
    loop_rows,
    new_document,
    para,
    running_header,
    table_of_contents,
)

_BEFORE_TOC = ("声明", "网络安全等级测评基本信息表")  # the pages in front of the 目录


def assessment_report() -> DocumentObject:
    doc = new_document("网络安全等级测评报告")
    _cover(doc)
    _declaration(doc)
    _basic_information(doc)
    table_of_contents(doc, [c for c in CHAPTERS if c not in _BEFORE_TOC])
    running_header(doc, "报告编号：{{ report_number }}{% if draft %}（草稿）{% endif %}")
    _conclusion_summary(doc)
    _overview(doc)
    _objects(doc)
    _single_items(doc)
    _overall(doc)
    _risks(doc)
    _conclusion(doc)
    _recommendations(doc)
    _appendices(doc)
    return doc


def _head(*texts: str, small: bool = False) -> list[C]:
    return [C(t, style=TABLE_SMALL_HEAD if small else TABLE_HEAD, head=True) for t in texts]


def _cells(*texts: str, small: bool = False) -> list[C]:
    return [C(t, style=TABLE_SMALL if small else "") for t in texts]


def _cover(doc: DocumentObject) -> None:
    para(doc, "报告编号：{{ report_number }}", right=True)
    para(doc, "{% if draft %}草稿：本轮测评尚未定稿，不作为正式报告{% endif %}", COVER_LINE, center=True)
    para(doc, "", COVER_LINE).paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 6
    para(doc, "{{ system.name }}", COVER_TITLE)
    para(doc, "网络安全等级测评报告", COVER_TITLE)
    para(doc, "（{{ system.level_name }}）", COVER_LINE, center=True)
    spacer = para(doc, "", COVER_LINE)
    spacer.paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    para(doc, "被测单位：{{ client.name }}", COVER_LINE, center=True)
    para(doc, "测评单位：{{ agency.name }}", COVER_LINE, center=True)
    para(doc, "报告时间：{{ report_date }}", COVER_LINE, center=True)


def _declaration(doc: DocumentObject) -> None:
    para(doc, "声明", "Heading 1", page_break=True)
    for text in (
        "一、本报告是{{ agency.name }}依据国家网络安全等级保护标准，对{{ system.name }}的安全保护状况"
        "进行等级测评的结果，结论仅对测评期间被测对象的状态有效。",
        "二、测评结论以测评期间所获取的访谈记录、文档、配置与测试结果为依据。被测单位应保证其提供的"
        "资料真实、完整；因资料不实导致的结论偏差，由提供方负责。",
        "三、被测对象的范围、测评指标与测评方法见第 2 章；测评中发现的安全问题及其风险分析见第 5 章。",
        "四、本报告中的安全问题应依据第 7 章的建议及时整改，并在整改完成后进行复测。",
        "五、未经测评单位书面同意，不得部分复制或摘录本报告；全文复制的，应保持报告的完整性。",
    ):
        para(doc, text)
    para(doc, "")
    para(doc, "编制人：{{ assessment.assessors }}", no_indent=True)
    para(doc, "审核人：{{ assessment.reviewer }}", no_indent=True)
    para(doc, "批准人：{{ assessment.approver }}", no_indent=True)
    para(doc, "{{ agency.name }}", right=True)
    para(doc, "{{ report_date }}", right=True)


def _basic_information(doc: DocumentObject) -> None:
    """网络安全等级测评基本信息表: the object, both parties with their contacts, and who prepared,
    reviewed and approved the report, when."""
    para(doc, "网络安全等级测评基本信息表", "Heading 1", page_break=True)
    form_table(
        doc,
        [3.4, 4.6, 3.4, 4.6],
        [
            [C("被测对象", span=4, style=TABLE_HEAD, head=True)],
            [*_head("名称"), C("{{ system.name }}"), *_head("安全保护等级"),
             C("{{ system.level_name }}（{{ system.sa }}）")],
            [*_head("备案证明编号"), C("{{ assessment.certificate }}"), *_head("报告编号"),
             C("{{ report_number }}")],
            [C("被测单位", span=4, style=TABLE_HEAD, head=True)],
            [*_head("单位名称"), C("{{ client.name }}", span=3)],
            [*_head("通信地址"), C("{{ client.address or '—' }}", span=3)],
            [*_head("联系人"), C("{{ client.contact or '—' }}"), *_head("联系电话"),
             C("{{ client.phone or '—' }}")],
            [*_head("电子邮件"), C("{{ client.email or '—' }}", span=3)],
            [C("测评机构", span=4, style=TABLE_HEAD, head=True)],
            [*_head("机构名称"), C("{{ agency.name }}", span=3)],
            [*_head("机构代码"), C("{{ agency.code or '—' }}"), *_head("通信地址"),
             C("{{ agency.address or '—' }}")],
            [*_head("联系人"), C("{{ agency.contact or '—' }}"), *_head("联系电话"),
             C("{{ agency.phone or '—' }}")],
            [*_head("电子邮件"), C("{{ agency.email or '—' }}", span=3)],
            [C("报告编制", span=4, style=TABLE_HEAD, head=True)],
            [*_head("编制人"), C("{{ assessment.assessors }}"), *_head("编制日期"),
             C("{{ assessment.prepared_on }}")],
            [*_head("审核人"), C("{{ assessment.reviewer }}"), *_head("审核日期"),
             C("{{ assessment.reviewed_on }}")],
            [*_head("批准人"), C("{{ assessment.approver }}"), *_head("批准日期"),
             C("{{ assessment.approved_on }}")],
        ],
    )  # fmt: skip


_RISK_COUNTS = (
    "高风险 {{ conclusion.high }} 个，中风险 {{ conclusion.medium }} 个，低风险 {{ conclusion.low }} 个"
)


def _conclusion_table(doc: DocumentObject) -> None:
    form_table(
        doc,
        [3.4, 4.6, 3.4, 4.6],
        [
            [*_head("被测对象名称"), C("{{ system.name }}"), *_head("安全保护等级"),
             C("{{ system.level_name }}（{{ system.sa }}）")],
            [*_head("被测单位"), C("{{ client.name }}", span=3)],
            [*_head("测评轮次"), C("{{ assessment.round }}"), *_head("测评时间"),
             C("{{ assessment.started }} 至 {{ assessment.finished }}")],
            [*_head("{{ conclusion.value_label }}"), C("{{ conclusion.value }}"), *_head("计分方案"),
             C("{{ conclusion.scheme }}")],
            [*_head("重大风险隐患数量"), C("{{ conclusion.major_risks }}"), *_head("安全问题"),
             C(_RISK_COUNTS)],
            [*_head("等级测评结论"), C("{{ conclusion.text }}", span=3, style=TABLE_HEAD)],
        ],
    )  # fmt: skip


def _conclusion_summary(doc: DocumentObject) -> None:
    para(doc, "等级测评结论", "Heading 1", page_break=True)
    _conclusion_table(doc)
    para(doc, "{{ conclusion.reason }}。", NOTE)
    para(doc, "计分方法说明：", NOTE)  # the scheme's parameters and assumptions, aggregation included
    loop_paragraphs(doc, "conclusion.method", "line", NOTE)
    doc.add_heading("总体评价", 1)
    loop_paragraphs(doc, "overall")
    doc.add_heading("主要安全问题及整改建议", 1)
    para(doc, "{%p if main_problems %}")
    opening, closing = loop_rows("main_problems", "p", 4)
    form_table(
        doc,
        [1.2, 6.0, 1.8, 7.0],
        [
            _head("序号", "安全问题", "风险等级", "整改建议", small=True),
            opening,
            _cells("{{ p.n }}", "{{ p.title }}", "{{ p.risk }}", "{{ p.remediation }}", small=True),
            closing,
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "本次测评未发现安全问题。")
    para(doc, "{%p endif %}")


def _overview(doc: DocumentObject) -> None:
    para(doc, "1 测评项目概述", "Heading 1", page_break=True)
    doc.add_heading("1.1 测评目的和依据", 2)
    para(
        doc,
        "受{{ client.name }}委托，{{ agency.name }}对{{ system.name }}开展网络安全等级测评，"
        "了解其安全保护措施与{{ system.level_name }}安全要求的符合程度，发现存在的安全问题，"
        "为整改和备案提供依据。测评依据的标准如下：",
    )
    loop_paragraphs(doc, "basis", "standard")
    doc.add_heading("1.2 测评过程", 2)
    para(
        doc,
        "测评按照测评准备、方案编制、现场测评、报告编制四个阶段开展。本报告对应{{ assessment.round }}，"
        "现场测评时间为{{ assessment.started }}至{{ assessment.finished }}，"
        "测评人员为{{ assessment.assessors }}。",
    )
    doc.add_heading("1.3 报告分发范围", 2)
    para(doc, "本报告一式两份，{{ client.name }}与{{ agency.name }}各执一份，并按规定报送公安机关备案。")


def _objects(doc: DocumentObject) -> None:
    para(doc, "2 被测对象描述", "Heading 1", page_break=True)
    doc.add_heading("2.1 被测对象概述", 2)
    loop_paragraphs(doc, "system.description")
    para(
        doc,
        "{{ system.name }}的安全保护等级为{{ system.level_name }}（{{ system.sa }}），"
        "适用的扩展要求：{{ assessment.extensions }}。",
    )
    doc.add_heading("2.2 测评指标", 2)
    para(doc, "表2-1　测评指标", "Caption")
    opening, closing = loop_rows("indicators", "r", 3)
    form_table(
        doc,
        [6.0, 5.0, 5.0],
        [
            _head("安全类", "控制点数", "测评项数"),
            opening,
            [C("{{ r.category }}"), C("{{ r.control_points }}", style=TABLE_CENTER),
             C("{{ r.item_count }}", style=TABLE_CENTER)],
            closing,
        ],
    )  # fmt: skip
    doc.add_heading("2.3 测评对象", 2)
    para(doc, "共 {{ objects|length }} 个测评对象，资产明细见附录A。")
    para(doc, "表2-2　测评对象", "Caption")
    opening, closing = loop_rows("objects", "o", 5)
    form_table(
        doc,
        [1.2, 3.2, 5.6, 4.0, 2.0],
        [
            _head("序号", "对象类型", "名称", "型号/版本", "重要程度", small=True),
            opening,
            _cells("{{ o.n }}", "{{ o.kind }}", "{{ o.name }}", "{{ o.model_version }}", "{{ o.importance }}",
                   small=True),
            closing,
        ],
    )  # fmt: skip


_COUNT_KEYS = ("item_count", "conforms", "partial", "fails", "na")


def _single_items(doc: DocumentObject) -> None:
    para(doc, "3 单项测评结果分析", "Heading 1", page_break=True)
    para(
        doc,
        "按安全类逐一分析各控制点的测评结果。控制点结果依 GB/T 28449-2018 8.2.2 b) 由测评项结果汇总得出。",
    )
    para(doc, "{%p for c in categories %}")
    para(doc, "{{ c.number }} {{ c.name }}", "Heading 2")
    para(doc, "{{ c.text }}")
    para(doc, "{%p if c.chart %}")
    para(doc, "{{ c.chart }}", center=True)
    para(doc, "图 3-{{ loop.index }} {{ c.name }}各控制点测评结果", "Caption", center=True)
    para(doc, "{%p endif %}")
    opening, closing = loop_rows("c.rows", "r", 7)
    form_table(
        doc,
        [3.6, 1.6, 1.9, 2.1, 1.9, 1.9, 3.0],
        [
            _head("控制点", "测评项", "符合", "部分符合", "不符合", "不适用", "控制点结果", small=True),
            opening,
            [C("{{ r.control_point }}", style=TABLE_SMALL),
             *(C(f"{{{{ r.{k} }}}}", style=TABLE_CENTER) for k in _COUNT_KEYS),
             C("{{ r.result }}", style=TABLE_CENTER)],
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p endfor %}")
    para(doc, "3.{{ categories|length + 1 }} 漏洞扫描与渗透测试", "Heading 2")
    para(doc, "{%p if scan.runs %}")
    para(doc, "本轮对{{ system.name }}开展的验证测试如下（扫描时间取自扫描器导出文件）。")
    opening, closing = loop_rows("scan.runs", "r", 6)
    form_table(
        doc,
        [0.8, 1.6, 3.4, 3.4, 5.0, 2.4],
        [
            _head("序号", "类型", "工具及版本", "测试时间", "测试范围", "来源", small=True),
            opening,
            _cells("{{ r.n }}", "{{ r.kind }}", "{{ r.tool }}", "{{ r.when }}", "{{ r.scope }}",
                   "{{ r.source }}", small=True),
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p endif %}")
    para(doc, "{%p if scan.done %}")
    para(doc, "漏洞扫描共发现 {{ scan.rows|length }} 个安全漏洞，明细见附录E。")
    para(doc, "{%p elif scan.runs %}")
    para(doc, "验证测试未发现仍存在的安全漏洞。")
    para(doc, "{%p endif %}")
    para(doc, "{%p if scan.waiver %}")
    para(doc, "本轮未对{{ system.name }}开展漏洞扫描或渗透测试，理由：{{ scan.waiver }}")
    para(doc, "{%p elif not scan.runs %}")
    para(doc, "本轮测评未导入漏洞扫描或渗透测试结果。")
    para(doc, "{%p endif %}")
    para(doc, "3.{{ categories|length + 2 }} 单项测评小结", "Heading 2")
    opening, closing = loop_rows("categories", "c", 3)
    form_table(
        doc,
        [6.0, 5.0, 5.0],
        [
            _head("安全类", "适用测评项", "符合率"),
            opening,
            [
                C("{{ c.name }}"),
                C("{{ c.item_count }}", style=TABLE_CENTER),
                C("{{ c.rate }}", style=TABLE_CENTER),
            ],
            closing,
        ],
    )
    para(doc, "{%p if summary_chart %}")
    para(doc, "{{ summary_chart }}", center=True)
    para(doc, "图 3-{{ categories|length + 1 }} 各安全类符合率", "Caption", center=True)
    para(doc, "{{ results_chart }}", center=True)
    para(doc, "图 3-{{ categories|length + 2 }} 单项测评结果分布", "Caption", center=True)
    para(doc, "{%p endif %}")


def _overall(doc: DocumentObject) -> None:
    para(doc, "4 整体测评", "Heading 1", page_break=True)
    para(
        doc,
        "整体测评从安全控制间、区域间和层面间的关联出发，分析其他安全措施能否弥补单项测评中发现的不足"
        "（补偿），或一项不足是否削弱了其他措施的效果，并据此调整单项测评结果。",
    )
    para(doc, "{%p if adjustments %}")
    opening, closing = loop_rows("adjustments", "a", 5)
    form_table(
        doc,
        [2.4, 3.2, 3.2, 1.8, 5.4],
        [
            _head("测评单元", "测评对象", "调整前 → 调整后", "方向", "理由（补偿措施）", small=True),
            opening,
            _cells("{{ a.unit }}", "{{ a.obj }}", "{{ a.before }} → {{ a.after }}", "{{ a.direction }}",
                   "{{ a.reason }}", small=True),
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p else %}")
    para(doc, "经整体测评分析，本轮未对单项测评结果进行调整。")
    para(doc, "{%p endif %}")


def _risks(doc: DocumentObject) -> None:
    para(doc, "5 安全问题风险分析", "Heading 1", page_break=True)
    para(
        doc,
        "对单项测评和整体测评后仍存在的安全问题，结合威胁与影响分析其风险等级，并对照"
        "《网络安全等级保护测评高风险判定实施指引（试行）》判断是否构成高风险问题。",
    )
    para(doc, "{%p if risks %}")
    opening, closing = loop_rows("risks", "p", 6)
    form_table(
        doc,
        [1.0, 5.4, 2.2, 2.2, 1.4, 3.8],
        [
            _head("序号", "安全问题", "测评单元", "测评对象", "风险等级", "高风险判定及分析", small=True),
            opening,
            [*_cells("{{ p.n }}", "{{ p.title }}：{{ p.description }}", "{{ p.unit }} {{ p.control_point }}",
                     "{{ p.objects }}", small=True),
             C("{{ p.risk }}", style=TABLE_CENTER),
             C(["{{ p.case }}", "{{ p.analysis }}"], style=TABLE_SMALL)],
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p else %}")
    para(doc, "本轮测评未发现安全问题。")
    para(doc, "{%p endif %}")
    para(doc, "{%p if major_risks %}")
    para(doc, "重大风险隐患", "Heading 2")
    opening, closing = loop_rows("major_risks", "m", 5)
    form_table(
        doc,
        [1.0, 4.0, 5.0, 4.2, 1.8],
        [
            _head("序号", "重大风险隐患", "说明", "构成的安全问题", "状态", small=True),
            opening,
            _cells("{{ m.n }}", "{{ m.title }}", "{{ m.description }}", "{{ m.problems }}", "{{ m.state }}",
                   small=True),
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p endif %}")


def _conclusion(doc: DocumentObject) -> None:
    para(doc, "6 等级测评结论", "Heading 1", page_break=True)
    loop_paragraphs(doc, "conclusion_paragraphs")
    _conclusion_table(doc)


def _recommendations(doc: DocumentObject) -> None:
    para(doc, "7 安全问题整改建议", "Heading 1", page_break=True)
    para(doc, "{%p if recommendations %}")
    para(doc, "按安全类列出各安全问题的整改建议，高风险问题和重大风险隐患应优先整改。")
    para(doc, "{%p for g in recommendations %}")
    para(doc, "7.{{ loop.index }} {{ g.category }}", "Heading 2")
    para(doc, "{%p for p in g.problems %}")
    para(doc, "（{{ loop.index }}）【{{ p.risk }}风险】{{ p.title }}（{{ p.unit }}）：{{ p.remediation }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p else %}")
    para(doc, "本轮测评未发现需要整改的安全问题，建议保持现有安全措施并定期开展等级测评。")
    para(doc, "{%p endif %}")


def _appendices(doc: DocumentObject) -> None:
    para(doc, "附录A 被测对象资产", "Heading 1", page_break=True)
    opening, closing = loop_rows("objects", "o", 7)
    form_table(
        doc,
        [1.0, 2.4, 3.6, 2.6, 2.6, 1.6, 2.2],
        [
            _head("序号", "对象类型", "名称", "型号/版本", "IP/位置", "重要程度", "说明", small=True),
            opening,
            _cells("{{ o.n }}", "{{ o.kind }}", "{{ o.name }}", "{{ o.model_version }}", "{{ o.location }}",
                   "{{ o.importance }}", "{{ o.note }}", small=True),
            closing,
        ],
    )  # fmt: skip
    para(doc, "附录D 单项测评结果记录", "Heading 1", page_break=True)
    para(doc, "按测评对象列出本轮全部测评单元的结果记录与符合情况（共 {{ conclusion.results }} 条）。")
    para(doc, "{{ appendix_d }}")
    para(doc, "附录E 漏洞扫描结果", "Heading 1", page_break=True)
    para(doc, "{%p if scan.done %}")
    opening, closing = loop_rows("scan.rows", "f", 6)
    form_table(
        doc,
        [2.6, 1.4, 4.6, 1.4, 2.4, 3.6],
        [
            _head("主机", "端口", "漏洞名称", "等级", "CVE", "整改建议", small=True),
            opening,
            _cells("{{ f.host }}", "{{ f.port }}", "{{ f.title }}", "{{ f.severity }}", "{{ f.cve }}",
                   "{{ f.solution }}", small=True),
            closing,
        ],
    )  # fmt: skip
    para(doc, "{%p elif scan.waiver %}")
    para(doc, "本轮未对{{ system.name }}开展漏洞扫描或渗透测试，理由：{{ scan.waiver }}")
    para(doc, "{%p elif scan.runs %}")
    para(doc, "验证测试未发现仍存在的安全漏洞。")
    para(doc, "{%p else %}")
    para(doc, "本轮测评未导入漏洞扫描结果。")
    para(doc, "{%p endif %}")


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "assessment-report-2025.docx": assessment_report,
}


def _sample() -> dict:
    from ..catalogue import default
    from .report_samples import sample_input

    return rendering.assessment_report_context(sample_input(), default())


TEMPLATES = (
    TemplateKind(
        "assessment_report",
        "网络安全等级测评报告",
        rendering.TEMPLATE,
        _sample,
        pictures=("summary_chart", "results_chart", "categories[].chart"),
    ),
)
