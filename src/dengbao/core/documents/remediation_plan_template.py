"""The 安全整改方案 template, built with ``template_kit``."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from . import remediation_plan as rendering
from . import samples
from .gap_list_template import BASIC_REQUIREMENTS, GUIDE, TEST_REQUIREMENTS, cells, cover, list_table
from .kinds import TemplateKind
from .template_kit import (
    TABLE_HEAD,
    TABLE_SMALL,
    TABLE_SMALL_HEAD,
    TABLE_TEXT,
    C,
    new_document,
    para,
    section_break,
)

# 序号 测评项 测评对象 问题描述 风险 优先级 整改措施 责任人 完成期限 状态 — 24.7 cm landscape
MEASURE_WIDTHS = (1.0, 4.2, 2.6, 4.6, 1.2, 1.2, 5.1, 1.6, 1.8, 1.4)
MEASURE_HEADS = (
    "序号",
    "测评项",
    "测评对象",
    "问题描述",
    "风险等级",
    "优先级",
    "整改措施",
    "责任人",
    "完成期限",
    "整改状态",
)


def remediation_plan() -> DocumentObject:
    """安全整改方案: cover, 一 概述, 二 整改优先级, 三 重大风险隐患, 四 整改措施 per 安全类
    (landscape), 五 整改实施与验证."""
    doc = new_document("安全整改方案")
    cover(doc, "安全整改方案")

    para(doc, "一、概述", "Heading 1", page_break=True)
    doc.add_heading("（一）编制目的", 2)
    para(
        doc,
        "为落实网络安全等级保护制度，消除{{ subject.scope }}发现的安全问题和风险隐患，依据差距分析问题列表"
        "编制本方案，明确每个问题的整改措施、优先级、责任人和完成期限，作为{{ subject.client }}组织整改、"
        "{{ subject.agency }}核验整改结果和开展复测的依据。",
    )
    doc.add_heading("（二）编制依据", 2)
    for line in (
        "1．《中华人民共和国网络安全法》；",
        f"2．{BASIC_REQUIREMENTS}；",
        f"3．{TEST_REQUIREMENTS}；",
        f"4．{GUIDE}；",
        "5．{{ subject.scope }}差距分析问题列表。",
    ):
        para(doc, line)
    doc.add_heading("（三）问题概况", 2)
    para(doc, "{{ summary }}")
    para(doc, "表1　各安全类整改任务统计", "Caption")
    numbers = ("total", "urgent", "high", "medium", "low", "done")
    list_table(
        doc,
        [1.2, 4.0, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8],
        ("序号", "安全类", "问题数", "紧急", "高", "中", "低", "已完成"),
        "category_rows",
        "c",
        [*cells("c", ("index",)), C("{{ c.category }}"), *cells("c", numbers)],
        after=[[C("合计", span=2, style=TABLE_HEAD), *cells("category_total", numbers)]],
    )

    doc.add_heading("二、整改优先级", 1)
    para(
        doc,
        "整改优先级由问题的风险等级和高风险判定结果确定：构成重大风险隐患的问题直接影响等级测评结论，"
        "列为紧急；高风险问题和适用高风险判例尚待确认的问题列为高；其余按风险等级列为中、低。"
        "同一安全类中，问题按优先级从高到低排列。",
    )
    para(doc, "表2　整改优先级", "Caption")
    list_table(
        doc,
        [2.0, 6.6, 5.2, 2.2],
        ("优先级", "判定依据", "整改要求", "问题数"),
        "priority_rows",
        "p",
        [
            *cells("p", ("priority",)),
            *cells("p", ("basis", "requirement"), TABLE_TEXT),
            *cells("p", ("count",)),
        ],
    )

    doc.add_heading("三、重大风险隐患", 1)
    para(doc, "{%p if major_risks %}")
    para(
        doc,
        "下列重大风险隐患由一个或多个安全问题构成，存在未整改的重大风险隐患时等级测评结论不能为“符合”，"
        "应最先整改。构成重大风险隐患的问题在第四章中列为紧急。",
    )
    para(doc, "表3　重大风险隐患", "Caption")
    list_table(
        doc,
        [1.0, 3.4, 4.6, 5.2, 1.8],
        ("序号", "重大风险隐患", "说明", "涉及的安全问题", "状态"),
        "major_risks",
        "m",
        [
            *cells("m", ("index",)),
            *cells("m", ("title", "description", "problems"), TABLE_TEXT),
            *cells("m", ("status",)),
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "{{ subject.scope }}未发现重大风险隐患。")
    para(doc, "{%p endif %}")

    section_break(doc, landscape=True)
    doc.add_heading("四、整改措施", 1)
    para(doc, "{%p if not groups %}")
    para(doc, "{{ subject.scope }}未发现需要整改的安全问题。")
    para(doc, "{%p endif %}")
    para(doc, "{%p for group in groups %}")
    para(doc, "{{ group.heading }}", "Heading 2")
    para(doc, "{{ group.caption }}", "Caption")
    row = [
        *cells("i", ("index",), TABLE_SMALL_HEAD),
        C(("{{ i.control_point }}", "{{ i.item }}"), style=TABLE_SMALL),
        *cells("i", ("objects", "description"), TABLE_SMALL),
        C("{% cellbg i.risk_fill %}{{ i.risk }}", style=TABLE_SMALL_HEAD),
        *cells("i", ("priority",), TABLE_SMALL_HEAD),
        *cells("i", ("measure", "owner", "due"), TABLE_SMALL),
        *cells("i", ("status",), TABLE_SMALL_HEAD),
    ]
    list_table(doc, MEASURE_WIDTHS, MEASURE_HEADS, "group.problems", "i", row, head_style=TABLE_SMALL_HEAD)
    para(doc, "{%p endfor %}")

    section_break(doc, landscape=False)
    doc.add_heading("五、整改实施与验证", 1)
    for heading, text in (
        (
            "（一）组织实施",
            "{{ subject.client }}应明确整改工作的牵头部门和每个问题的责任人，按本方案的优先级和完成期限"
            "组织整改；涉及系统配置变更的，应先备份、在变更窗口内实施并验证业务正常运行。",
        ),
        (
            "（二）过程跟踪",
            "责任人在平台中记录采取的措施并上传整改证据（配置截图、制度文件、记录等），完成后提交验证；"
            "{{ subject.agency }}逐项核验，核验未通过的退回继续整改。整改状态随之更新。",
        ),
        (
            "（三）复测",
            "紧急和高优先级问题整改完成后，由{{ subject.agency }}开展复测，对整改涉及的测评项重新测评，"
            "复测结果作为出具等级测评报告的依据。",
        ),
        (
            "（四）暂不能整改的问题",
            "因客观条件暂不能整改的问题，应说明原因，采取临时性的补偿措施并评估剩余风险；"
            "经单位负责人确认后可作接受风险处理，在下一测评周期中继续跟踪。",
        ),
    ):
        doc.add_heading(heading, 2)
        para(doc, text)
    return doc


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "remediation-plan.docx": remediation_plan,
}
TEMPLATES = (
    TemplateKind(
        "remediation_plan",
        "安全整改方案",
        rendering.TEMPLATE,
        lambda: rendering.remediation_plan_context(samples.PLAN),
    ),
)
