"""The 保护工作方案 template (1846号 Q23–Q24: 资产情况, 现有措施, 问题成因, 整改思路, 工作计划),
built with ``template_kit``; the structure and wording are the project's own."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from . import protection_plan as rendering
from .gap_list_template import BASIC_REQUIREMENTS, TEST_REQUIREMENTS, cells, list_table, none_rows
from .kinds import TemplateKind
from .template_kit import (
    COVER_LINE,
    COVER_TITLE,
    TABLE_HEAD,
    TABLE_SMALL,
    TABLE_SMALL_HEAD,
    TABLE_TEXT,
    C,
    form_table,
    loop_rows,
    new_document,
    para,
    running_header,
    section_break,
)

# 序号 测评单元 测评项 结果 涉及对象 问题描述 风险 原因 — 24.7 cm landscape
PROBLEM_WIDTHS = (1.0, 2.3, 5.6, 1.9, 3.4, 5.7, 1.4, 3.4)
PROBLEM_HEADS = ("序号", "测评单元", "测评项", "测评结果", "涉及对象", "问题描述", "风险等级", "原因分析")


def protection_plan() -> DocumentObject:
    """保护工作方案: cover, 一 系统概况, 二 资产, 三 现有措施, 四 问题及原因 (landscape tables),
    五 整改思路, 六 整改计划, 七 保障措施."""
    doc = new_document("网络安全保护工作方案")
    running_header(doc, "{{ system.name }}网络安全保护工作方案{% if draft %}（草稿）{% endif %}")
    para(doc, "", COVER_LINE).paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    para(doc, "{{ system.name }}", COVER_TITLE)
    para(doc, "{{ title }}", COVER_TITLE)
    para(doc, "{% if draft %}草稿：所依据的等级测评结果尚未定稿{% endif %}", COVER_LINE, center=True)
    spacer = para(doc, "", COVER_LINE)
    spacer.paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    para(doc, "{{ system.unit }}", COVER_LINE, center=True)
    para(doc, "{{ date }}", COVER_LINE, center=True)

    _overview(doc)
    _assets(doc)
    _measures(doc)
    _problems(doc)
    section_break(doc, landscape=False)
    _approach(doc)
    _plan(doc)
    _safeguards(doc)
    return doc


def _overview(doc: DocumentObject) -> None:
    para(doc, "一、系统概况", "Heading 1", page_break=True)
    para(
        doc,
        "依据公安部网络安全保卫局《关于对网络安全等级保护有关工作事项进一步说明的函》（公网安〔2025〕1846号），"
        "第三级以上网络的运营者应编制保护工作方案，说明资产情况、现有安全保护措施、存在的问题及原因、"
        "整改思路和工作计划。本方案据此为{{ system.name }}编制，测评依据为"
        f"{BASIC_REQUIREMENTS}和 {TEST_REQUIREMENTS}。",
    )
    doc.add_heading("（一）基本情况", 2)
    para(doc, "表1　定级对象基本情况", "Caption")
    opening, closing = loop_rows("overview_rows", "r", 2)
    form_table(
        doc,
        [4.6, 11.4],
        [opening, [C("{{ r.label }}", head=True), C("{{ r.value }}", style=TABLE_TEXT)], closing],
    )
    doc.add_heading("（二）最近一次等级测评", 2)
    para(doc, "{{ assessment.result_text }}")


def _assets(doc: DocumentObject) -> None:
    doc.add_heading("二、资产及其重要程度", 1)
    para(
        doc,
        "{{ system.name }}的资产以等级测评的测评对象为准，包括承载系统的机房、网络和安全设备、服务器、"
        "数据库、中间件、业务应用以及管理文档和人员，共 {{ asset_total.count }} 项。重要程度分为关键、"
        "重要、一般三级：关键资产失效或被破坏将直接中断核心业务或泄露重要数据，应优先保护。",
    )
    para(doc, "表2　资产分类统计", "Caption")
    numbers = ("count", "key", "important", "normal")
    list_table(
        doc,
        [1.2, 5.2, 2.4, 2.4, 2.4, 2.4],
        ("序号", "资产类型", "数量", "关键", "重要", "一般"),
        "asset_summary",
        "a",
        [*cells("a", ("index",)), C("{{ a.kind }}"), *cells("a", numbers)],
        after=[[C("合计", span=2, style=TABLE_HEAD), *cells("asset_total", numbers)]],
    )
    para(doc, "表3　资产清单", "Caption")
    list_table(
        doc,
        [1.0, 4.2, 2.8, 3.2, 3.0, 1.8],
        ("序号", "资产名称", "资产类型", "型号/版本", "IP/位置", "重要程度"),
        "assets",
        "a",
        [
            *cells("a", ("index",), TABLE_SMALL_HEAD),
            *cells("a", ("name", "kind", "model", "location"), TABLE_SMALL),
            *cells("a", ("importance",), TABLE_SMALL_HEAD),
        ],
        head_style=TABLE_SMALL_HEAD,
    )


def _measures(doc: DocumentObject) -> None:
    doc.add_heading("三、现有安全保护措施", 1)
    para(doc, "{{ measures_text }}")
    para(
        doc,
        "表4中“已落实的控制点”列出该安全类中全部测评项均为“符合”的控制点，即现有措施已满足要求的方面；"
        "“部分落实”列出其中部分测评项符合的控制点。",
    )
    para(doc, "表4　各安全类测评结果及已落实的安全措施", "Caption")
    list_table(
        doc,
        [0.9, 2.7, 1.1, 1.9, 1.5, 1.6, 6.3],
        ("序号", "安全类", "符合", "部分符合", "不符合", "得分", "已落实的控制点"),
        "measure_rows",
        "m",
        [
            *cells("m", ("index",)),
            C("{{ m.category }}"),
            *cells("m", ("conform", "partial", "fail", "score")),
            *cells("m", ("points",), TABLE_TEXT),
        ],
    )


def _problems(doc: DocumentObject) -> None:
    doc.add_heading("四、存在的问题及原因分析", 1)
    para(doc, "{{ problems_text }}")
    doc.add_heading("（一）重大风险隐患和高风险问题", 2)
    para(doc, "{%p for m in major_risks %}")
    para(doc, "重大风险隐患{{ m.index }}：{{ m.title }}（{{ m.status }}）。")
    para(doc, "{%p endfor %}")
    para(doc, "表5　高风险问题", "Caption")
    row = [
        *cells("h", ("index",)),
        *cells("h", ("unit", "control_point"), TABLE_SMALL),
        *cells("h", ("description", "case"), TABLE_SMALL),
    ]
    opening, closing = loop_rows("high_risks", "h", 5)
    heads = [C(t, head=True) for t in ("序号", "测评单元", "控制点", "问题描述", "判定")]
    form_table(doc, [1.0, 2.4, 2.6, 6.4, 3.6], [heads, opening, row, closing, *none_rows("high_risks", 5)])

    section_break(doc, landscape=True)  # the cause table shares its page with the first problem table
    doc.add_heading("（二）原因分类", 2)
    para(
        doc,
        "问题的原因按所属安全类和各测评对象的测评结果分析：安全技术类的测评项，全部对象均不符合的，"
        "原因为技术措施缺失；部分对象符合、部分对象不符合的，原因为措施覆盖不全；对象本身部分符合的，"
        "原因为配置或策略不完善。安全管理类的测评项，不符合的原因为相应的管理制度、机构、人员或流程缺失；"
        "部分符合的原因为管理要求落实不到位。",
    )
    para(doc, "表6　问题原因统计", "Caption")
    list_table(
        doc,
        [8.0, 4.0, 4.0],
        ("原因", "类别", "问题数"),
        "cause_rows",
        "c",
        [*cells("c", ("cause",), TABLE_TEXT), *cells("c", ("part", "count"))],
        after=none_rows("cause_rows", 3),
    )
    doc.add_heading("（三）各安全类存在的问题", 2)
    para(doc, "{%p if not problem_groups %}")
    para(doc, "未发现安全问题。")
    para(doc, "{%p endif %}")
    para(doc, "{%p for group in problem_groups %}")
    para(doc, "{{ group.heading }}", "Heading 3")
    para(doc, "{{ group.caption }}", "Caption")
    row = [
        *cells("i", ("index",), TABLE_SMALL_HEAD),
        *cells("i", ("unit", "item", "result", "objects", "description"), TABLE_SMALL),
        C("{% cellbg i.risk_fill %}{{ i.risk }}", style=TABLE_SMALL_HEAD),
        *cells("i", ("cause",), TABLE_SMALL),
    ]
    list_table(doc, PROBLEM_WIDTHS, PROBLEM_HEADS, "group.rows", "i", row, head_style=TABLE_SMALL_HEAD)
    para(doc, "{%p endfor %}")


def _approach(doc: DocumentObject) -> None:
    doc.add_heading("五、整改思路", 1)
    para(
        doc,
        "整改坚持“先高风险、后一般问题，技术和管理并重”的原则：安全技术类问题通过部署、启用或加固安全措施"
        "解决，安全管理类问题通过建立制度、明确职责并落实执行记录解决。各安全类的整改思路见表"
        "{{ tables.approach }}，整改分三个阶段进行，见表{{ tables.stage }}。",
    )
    para(doc, "表{{ tables.approach }}　各安全类整改思路", "Caption")
    list_table(
        doc,
        [0.9, 2.4, 1.4, 1.4, 4.0, 4.5, 1.4],
        ("序号", "安全类", "类别", "问题数", "主要原因", "整改思路", "优先级"),
        "approach_rows",
        "a",
        [
            *cells("a", ("index",)),
            C("{{ a.category }}"),
            *cells("a", ("part", "count")),
            *cells("a", ("causes", "measures"), TABLE_TEXT),
            *cells("a", ("priority",)),
        ],
        after=none_rows("approach_rows", 7, "无需整改"),
    )
    para(doc, "表{{ tables.stage }}　整改阶段", "Caption")
    list_table(
        doc,
        [2.2, 5.0, 6.6, 2.2],
        ("阶段", "范围", "要求", "问题数"),
        "stage_rows",
        "s",
        [*cells("s", ("stage",)), *cells("s", ("scope", "requirement"), TABLE_TEXT), *cells("s", ("count",))],
    )


def _plan(doc: DocumentObject) -> None:
    doc.add_heading("六、整改计划", 1)
    para(doc, "{{ plan_text }}")
    para(doc, "{%p if unassigned %}")
    para(
        doc,
        "第四章所列问题中另有 {{ unassigned }} 项尚未分配整改任务，"
        "应按第五章的阶段安排明确责任人和完成期限后补入本计划。",
    )
    para(doc, "{%p endif %}")
    para(doc, "表{{ tables.plan }}　整改计划", "Caption")
    list_table(
        doc,
        [1.0, 6.4, 2.6, 3.2, 2.8],
        ("序号", "整改任务", "责任人", "完成期限", "状态"),
        "plan_rows",
        "p",
        [
            *cells("p", ("index",)),
            *cells("p", ("task",), TABLE_TEXT),
            *cells("p", ("owner", "due", "status")),
        ],
        after=none_rows("plan_rows", 5, "尚未分配整改任务"),
    )


def _safeguards(doc: DocumentObject) -> None:
    doc.add_heading("七、保障措施", 1)
    for heading, text in (
        (
            "（一）组织保障",
            "{{ system.unit }}网络安全工作领导机构统筹本方案的实施，{{ system.department }}牵头组织整改，"
            "各整改任务的责任人按计划完成并提交整改证据。",
        ),
        (
            "（二）经费保障",
            "{{ system.unit }}将整改所需的设备、软件和服务费用纳入年度预算，优先保障第一阶段整改任务。",
        ),
        (
            "（三）监督检查",
            "{{ system.department }}定期检查整改进度，逾期任务报单位负责人督办；整改完成后由"
            "{{ assessment.agency }}复测核实，保护工作方案及其落实情况按要求报{{ system.bureau }}。",
        ),
    ):
        doc.add_heading(heading, 2)
        para(doc, text)


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "protection-plan.docx": protection_plan,
}
TEMPLATES = (
    TemplateKind(
        "protection_plan",
        "保护工作方案",
        rendering.TEMPLATE,
        lambda: rendering.protection_plan_context(rendering.sample_input()),
    ),
)
