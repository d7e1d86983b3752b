"""The 备案表 templates (2025: 表一–表六; legacy: 表一–表四), built with ``template_kit``.

Each object table repeats per 定级对象 inside ``{%p for s in systems %}``; the 2025 表六 is
wide, so it sits in a landscape section of its own.
"""

from __future__ import annotations

from docx.document import Document as DocumentObject

from . import filing_form as rendering
from . import samples
from .kinds import TemplateKind
from .template_kit import (
    COVER_LINE,
    COVER_TITLE,
    LANDSCAPE_WIDTH_CM,
    NOTE,
    TABLE_CENTER,
    TEXT_WIDTH_CM,
    C,
    form_table,
    labelled,
    loop_rows,
    new_document,
    orient,
    para,
    section_break,
)

FORM_WIDTHS = [1.0, 3.4, 2.4, 3.4, 2.4, 3.4]  # 序号 | 项目 | four value/label columns
assert abs(sum(FORM_WIDTHS) - TEXT_WIDTH_CM) < 0.01


def filing_form(legacy: bool) -> DocumentObject:
    """备案表: 2025 (表一–表六) or legacy (表一–表四) layout."""
    title = "信息系统安全等级保护备案表" if legacy else "网络安全等级保护备案表"
    obj = "信息系统" if legacy else "定级对象"
    doc = new_document(title)
    para(doc, "备案表编号：{{ form_number }}", COVER_LINE, right=True, underline_from=6)
    para(doc, "", COVER_LINE).paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 6
    para(doc, title, COVER_TITLE)
    spacer = para(doc, "", COVER_LINE)
    spacer.paragraph_format.space_before = doc.styles[COVER_LINE].font.size * 8
    for label, value, tail in (
        ("备案单位：", "{{ unit.name }}", "（盖章）"),
        ("备案日期：", "{{ filing_date }}", ""),
        ("受理备案单位：", "{{ accepting_unit }}", "（盖章）"),
        ("受理日期：", "{{ accepting_date }}", ""),
    ):
        labelled(doc, label, value, tail=tail).paragraph_format.left_indent = (
            doc.styles[COVER_LINE].font.size * 4
        )

    para(doc, "填表说明", "Heading 1", center=True, page_break=True)
    for note in _notes(legacy):
        para(doc, note, NOTE)

    para(doc, "表一　单位基本情况", "Heading 1", center=True, page_break=True)
    form_table(doc, FORM_WIDTHS, _numbered(_unit_rows(legacy)))
    if not legacy:
        # Sections change inside the loop (表六 is landscape), so the cover's section, the only
        # one without a page number on its first page, ends here.
        section_break(doc, landscape=False)
    para(doc, "{%p for s in systems %}")
    para(doc, f"表二（{{{{ s.name }}}}）{obj}情况", "Heading 1", center=True, page_break=legacy)
    form_table(doc, FORM_WIDTHS, _numbered(_system_rows(legacy)))
    para(doc, f"表三（{{{{ s.name }}}}）{obj}定级情况", "Heading 1", center=True, page_break=True)
    _grading_table(doc, legacy)
    signed = para(doc, "填表人：{{ filled_by }}　　　　填表日期：{{ filing_date }}", NOTE, right=True)
    signed.paragraph_format.space_before = doc.styles[NOTE].font.size
    if legacy:
        para(doc, "{%p if s.level >= 3 %}")
        para(
            doc,
            "表四（{{ s.name }}）第三级以上信息系统提交材料情况",
            "Heading 1",
            center=True,
            page_break=True,
        )
        _materials_table(doc)
        para(doc, "{%p endif %}")
    else:
        para(doc, "表四（{{ s.name }}）应用场景补充", "Heading 1", center=True, page_break=True)
        opening, closing = loop_rows("s.scenarios", "sc", 3)
        form_table(
            doc,
            [3.0, 4.0, 9.0],
            [
                [C("应用场景", head=True), C("是否涉及", head=True), C("涉及时另附说明的内容", head=True)],
                opening,
                [C("{{ sc.name }}"), C("{{ sc.used_boxes }}"), C("{{ sc.needs }}")],
                closing,
            ],
        )
        para(doc, "表五（{{ s.name }}）定级对象提交材料情况", "Heading 1", center=True, page_break=True)
        _materials_table(doc)
        # 表六 is wide: a landscape section of its own; the last one ends the document.
        section_break(doc, landscape=True)
        para(doc, "表六（{{ s.name }}）数据摸底调查表", "Heading 1", center=True)
        _data_table(doc)
        para(doc, "{%p if not loop.last %}")
        section_break(doc, landscape=False)
        para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    if not legacy:
        orient(doc.sections[-1], landscape=True)  # the section the last 表六 ends in
    return doc


def _notes(legacy: bool) -> list[str]:
    obj = "信息系统" if legacy else "定级对象"
    last = (
        "四、表四由第三级及以上信息系统填写，所列材料作为附件随表提交。"
        if legacy
        else "四、表五所列材料作为附件随表提交；第二级及以上定级对象须填写表六，每个数据类别一行。"
    )
    return [
        f"一、本表由{obj}的运营、使用单位填写，纸质件加盖单位公章后提交受理备案的公安机关。",
        f"二、表一每个单位填写一份；其余各表每个{obj}各填写一份，表名括号内写明{obj}名称。",
        "三、选择项在相应的“☐”中打“☑”；没有的内容填“无”，不留空白。",
        last,
    ]


Row = list[C]


def _numbered(rows: list[tuple[str, Row]]) -> list[Row]:
    """Prefix each item with its two-digit number; an item spanning several rows has its
    number and label merged vertically ('' label = continue the item above)."""
    out, n = [], 0
    groups: list[list[Row]] = []
    for label, cells in rows:
        if label:
            groups.append([])
        groups[-1].append([C(label), *cells])
    for group in groups:
        n += 1
        for i, (label_cell, *cells) in enumerate(group):
            if len(group) == 1:
                out.append([C(f"{n:02d}", style=TABLE_CENTER), label_cell, *cells])
                continue
            merge = "restart" if i == 0 else "continue"
            number = C(f"{n:02d}" if i == 0 else "", vmerge=merge, style=TABLE_CENTER)
            out.append([number, C(label_cell.text, vmerge=merge), *cells])
    return out


def _unit_rows(legacy: bool) -> list[tuple[str, Row]]:
    rows: list[tuple[str, Row]] = [("单位名称", [C("{{ unit.name }}", span=4)])]
    if not legacy:
        rows.append(("统一社会信用代码", [C("{{ unit.credit_code }}", span=4)]))
    rows += [
        (
            "单位地址",
            [
                C("省（自治区、直辖市）"),
                C("{{ unit.province }}"),
                C("地（区、市、州、盟）"),
                C("{{ unit.prefecture }}"),
            ],
        ),
        ("", [C("县（区、市、旗）"), C("{{ unit.county }}"), C("详细地址"), C("{{ unit.address }}")]),
        ("邮政编码", [C("{{ unit.postcode }}", span=2), C("行政区划代码"), C("{{ unit.region_code }}")]),
        ("单位负责人", [C("姓名"), C("{{ unit.head_name }}"), C("职务/职称"), C("{{ unit.head_title }}")]),
        ("", [C("办公电话"), C("{{ unit.head_phone }}"), C("电子邮件"), C("{{ unit.head_email }}")]),
        ("责任部门", [C("{{ unit.department }}", span=4)]),
        (
            "责任部门联系人",
            [C("姓名"), C("{{ unit.contact_name }}"), C("职务/职称"), C("{{ unit.contact_title }}")],
        ),
        ("", [C("办公电话"), C("{{ unit.contact_phone }}"), C("电子邮件"), C("{{ unit.contact_email }}")]),
        ("", [C("移动电话"), C("{{ unit.contact_mobile }}", span=3)]),
        ("隶属关系", [C("{{ unit.affiliation_boxes }}", span=4)]),
        ("单位类型", [C("{{ unit.unit_type_boxes }}", span=4)]),
        ("行业类别", [C("{{ unit.industry }}", span=4)]),
        ("信息系统个数" if legacy else "定级对象数量", [C("{{ unit.systems_count }}", span=4)]),
    ]
    return rows


def _system_rows(legacy: bool) -> list[tuple[str, Row]]:
    name, code = ("系统名称", "系统编号") if legacy else ("定级对象名称", "编号")
    rows: list[tuple[str, Row]] = [(name, [C("{{ s.name }}", span=2), C(code), C("{{ s.code }}")])]
    if not legacy:
        rows.append(("技术类型", [C("{{ s.technology_boxes }}", span=4)]))
    rows += [
        ("业务情况", [C("业务类型"), C("{{ s.business_type_boxes }}", span=3)]),
        ("", [C("业务描述"), C("{{ s.business_description }}", span=3)]),
        ("服务情况", [C("服务范围"), C("{{ s.service_scope_boxes }}", span=3)]),
        ("", [C("服务对象"), C("{{ s.service_audience_boxes }}", span=3)]),
        (
            "覆盖范围" if legacy else "部署情况",
            [C("覆盖范围" if legacy else "部署范围"), C("{{ s.deployment_scope_boxes }}", span=3)],
        ),
        ("", [C("网络性质"), C("{{ s.network_nature_boxes }}", span=3)]),
        ("系统互联情况" if legacy else "互联情况", [C("{{ s.interconnections }}", span=4)]),
        ("何时投入运行使用" if legacy else "投入运行时间", [C("{{ s.go_live }}", span=4)]),
        (
            "是否分系统" if legacy else "是否为分系统",
            [C("{{ s.is_subsystem_boxes }}", span=2), C("上级系统名称"), C("{{ s.parent_name }}")],
        ),
    ]
    return rows


def _grading_table(doc: DocumentObject, legacy: bool) -> None:
    widths = [1.0, 3.2, 9.0, 2.8]
    rows: list[Row] = []
    for n, (key, subject) in enumerate((("business_rows", "业务信息"), ("service_rows", "系统服务")), 1):
        opening, closing = loop_rows(f"s.{key}", "r", 4)
        rows += [
            [
                C(f"{n:02d}", vmerge="restart", style=TABLE_CENTER),
                C(f"确定{subject}安全保护等级", vmerge="restart"),
                C("损害客体及损害程度", head=True),
                C("级别", head=True),
            ],
            opening,
            [
                C("", vmerge="continue"),
                C("", vmerge="continue"),
                C(["{%p for h in r.harms %}", "{{ h }}", "{%p endfor %}"]),
                C("{{ r.level }}"),
            ],
            closing,
        ]
    level = "信息系统安全保护等级" if legacy else "安全保护等级"
    checked = "审批" if legacy else "审核"
    for n, (label, value) in enumerate(
        (
            (level, "{{ s.level_boxes }}"),
            ("定级时间", "{{ s.graded_on }}"),
            ("专家评审情况", "{{ s.expert_boxes }}"),
            ("是否有上级主管部门", "{{ s.authority_boxes }}　名称：{{ s.authority_name }}"),
            (f"上级主管部门{checked}定级情况", "{{ s.approval_boxes }}"),
            ("定级报告", "{{ s.report_boxes }}　附件名称：{{ s.report_attachment }}"),
        ),
        3,
    ):
        rows.append([C(f"{n:02d}", style=TABLE_CENTER), C(label), C(value, span=2)])
    form_table(doc, widths, rows)


def _materials_table(doc: DocumentObject) -> None:
    opening, closing = loop_rows("s.materials", "m", 4)
    form_table(
        doc,
        [1.2, 7.0, 3.0, 4.8],
        [
            [C(t, head=True) for t in ("序号", "材料名称", "有无", "附件名称")],
            opening,
            [
                C("{{ m.index }}", style=TABLE_CENTER),
                C("{{ m.name }}"),
                C("{{ m.provided_boxes }}"),
                C("{{ m.attachment }}"),
            ],
            closing,
        ],
    )


DATA_COLUMNS = (
    ("序号", "index", 1.2),
    ("数据类别", "name", 3.4),
    ("拟定数据级别", "data_level", 2.4),
    ("是否含个人信息", "personal_info", 2.0),
    ("数据总量", "volume", 2.2),
    ("月增长量", "monthly_growth", 2.2),
    ("数据来源（来源单位）", "source_text", 3.6),
    ("流出单位", "recipients", 2.6),
    ("存储位置", "storage", 3.0),
    ("境内/境外", "location", 2.1),
)
assert abs(sum(w for _, _, w in DATA_COLUMNS) - LANDSCAPE_WIDTH_CM) < 0.01


def _data_table(doc: DocumentObject) -> None:
    opening, closing = loop_rows("s.data_categories", "d", len(DATA_COLUMNS))
    form_table(
        doc,
        [w for _, _, w in DATA_COLUMNS],
        [
            [C(title, head=True) for title, _, _ in DATA_COLUMNS],
            opening,
            [
                C(f"{{{{ d.{key} }}}}", style=TABLE_CENTER if key == "index" else "")
                for _, key, _ in DATA_COLUMNS
            ],
            closing,
        ],
    )


# What this module builds (make_templates collects every *_template.py's SHIPPED) and the templates
# an organisation may replace, with their sample data (kinds.KINDS collects every TEMPLATES).
SHIPPED = {
    "filing-form-2025.docx": lambda: filing_form(legacy=False),
    "filing-form-legacy.docx": lambda: filing_form(legacy=True),
}


def _sample(layout: rendering.Layout):
    return lambda: rendering.filing_form_context(
        samples.UNIT, [(samples.SYSTEM, samples.RECORD, samples.MATERIALS)], layout=layout
    )


TEMPLATES = (
    TemplateKind("filing_form_2025", "备案表（2025 版）", rendering.TEMPLATE_FILES["2025"], _sample("2025")),
    TemplateKind(
        "filing_form_legacy",
        "备案表（旧版，表一至表四）",
        rendering.TEMPLATE_FILES["legacy"],
        _sample("legacy"),
    ),
)
