"""差距分析问题列表 (Word), 安全整改方案 and 复测对比报告 from the sample data, opened again."""

from __future__ import annotations

import dataclasses
import json
from io import BytesIO

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT

from dengbao.core.documents import builder, kinds, samples
from dengbao.core.documents.gap_list_doc import GapListData, missing_for_gap_list, render_gap_list
from dengbao.core.documents.plan_common import as_data, clean, cn_number
from dengbao.core.documents.remediation_plan import (
    PlanData,
    PlanItem,
    missing_for_remediation_plan,
    priority,
    remediation_plan_context,
    render_remediation_plan,
)
from dengbao.core.documents.retest_report import (
    RoundFigures,
    missing_for_retest_report,
    problem_outcome,
    render_retest_report,
    retest_report_context,
    trend,
)

GAP = GapListData(samples.PLAN_SUBJECT, samples.GAP_ROWS)


def opened(content: bytes):
    return Document(BytesIO(content))


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name in ("Heading 1", "Heading 2")]


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def table_after(doc, caption_start: str):
    """The table that follows the caption paragraph starting with ``caption_start``."""
    body = list(doc.element.body.iterchildren())
    for i, element in enumerate(body):
        if element.tag.endswith("}p") and "".join(element.itertext()).startswith(caption_start):
            following = next(e for e in body[i + 1 :] if e.tag.endswith("}tbl"))
            return next(t for t in doc.tables if t._tbl is following)
    raise AssertionError(f"no caption {caption_start!r}")


def rows_of(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def assert_no_tags(doc) -> None:
    text = all_text(doc)
    assert "{{" not in text and "{%" not in text and "}}" not in text


# --- 差距分析问题列表 -------------------------------------------------------------------


def test_gap_list_has_its_chapters_counts_and_every_problem_in_catalogue_order():
    doc = opened(render_gap_list(GAP))
    assert headings(doc) == [
        "一、说明",
        "二、问题统计",
        "（一）按风险等级统计",
        "（二）按安全类统计",
        "（三）按整改状态统计",
        "三、问题列表",
    ]
    assert rows_of(table_after(doc, "表1"))[1:] == [
        ["高风险", "1", "20.0%"],
        ["中风险", "2", "40.0%"],
        ["低风险", "2", "40.0%"],
        ["合计", "5", "100.0%"],
    ]
    by_category = rows_of(table_after(doc, "表2"))
    assert by_category[1:] == [
        ["1", "安全物理环境", "0", "0", "1", "1"],
        ["2", "安全区域边界", "0", "1", "0", "1"],
        ["3", "安全计算环境", "1", "1", "0", "2"],
        ["4", "安全运维管理", "0", "0", "1", "1"],
        ["合计", "合计", "1", "2", "2", "5"],
    ]
    problems = rows_of(table_after(doc, "表4"))
    assert problems[0] == [
        "序号", "安全类", "控制点", "测评项", "测评对象",
        "问题描述", "风险等级", "高风险判例", "整改建议", "整改状态",
    ]  # fmt: skip
    assert [r[0] for r in problems[1:]] == ["1", "2", "3", "4", "5"]
    assert [r[3].split()[0] for r in problems[1:]] == list(samples.GAP_UNITS)
    weak_passwords = problems[3]
    assert weak_passwords[6] == "高" and weak_passwords[7] == "6.4.1.1 设备存在弱口令或相同口令"
    assert weak_passwords[5] == samples.GAP_ROWS[2].description  # the line break survives as one
    assert "共 5 项" in all_text(doc) and "江城网络安全测评中心（演示）" in all_text(doc)
    assert_no_tags(doc)


def test_gap_list_table_is_in_a_landscape_section_with_a_repeating_header():
    doc = opened(render_gap_list(GAP))
    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]
    assert doc.sections[1].page_width > doc.sections[1].page_height
    header = table_after(doc, "表4").rows[0]._tr
    assert (
        header.trPr is not None
        and header.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader")
        is not None
    )


def test_risk_cells_are_shaded_like_the_workbook():
    doc = opened(render_gap_list(GAP))
    fills = []
    for row in table_after(doc, "表4").rows[1:]:
        shd = row.cells[6]._tc.tcPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd")
        fills.append(shd.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill"))
    assert fills == ["E2EFDA", "FFE699", "F8CBAD", "FFE699", "E2EFDA"]


def test_an_empty_gap_list_says_so():
    doc = opened(render_gap_list(GapListData(samples.PLAN_SUBJECT, ())))
    assert "未发现测评结果为“部分符合”或“不符合”的测评项" in all_text(doc)
    assert len(table_after(doc, "表4").rows) == 1
    assert_no_tags(doc)


def test_markup_and_control_characters_in_a_problem_are_printed_safely():
    row = dataclasses.replace(samples.GAP_ROWS[0], description="口令<8位 & 无锁定\x07策略\x0c")
    doc = opened(render_gap_list(GapListData(samples.PLAN_SUBJECT, (row,))))
    assert rows_of(table_after(doc, "表4"))[1][5] == "口令<8位 & 无锁定策略"
    assert len(doc.sections) == 2  # no page break smuggled in


def test_missing_for_gap_list_names_the_empty_cover_fields():
    empty = dataclasses.replace(samples.PLAN_SUBJECT, client="", agency="", systems=())
    assert missing_for_gap_list(GapListData(empty, samples.GAP_ROWS)) == [
        "被测单位名称",
        "测评机构名称",
        "被测定级对象",
    ]
    assert missing_for_gap_list(GAP) == []


# --- 安全整改方案 -----------------------------------------------------------------------


def test_plan_chapters_then_one_heading_per_category_in_catalogue_order():
    doc = opened(render_remediation_plan(samples.PLAN))
    assert headings(doc) == [
        "一、概述",
        "（一）编制目的",
        "（二）编制依据",
        "（三）问题概况",
        "二、整改优先级",
        "三、重大风险隐患",
        "四、整改措施",
        "（一）安全物理环境",
        "（二）安全区域边界",
        "（三）安全计算环境",
        "（四）安全运维管理",
        "五、整改实施与验证",
        "（一）组织实施",
        "（二）过程跟踪",
        "（三）复测",
        "（四）暂不能整改的问题",
    ]
    assert_no_tags(doc)


def test_every_problem_appears_with_its_priority_owner_and_due_date():
    doc = opened(render_remediation_plan(samples.PLAN))
    computing = rows_of(table_after(doc, "表6"))
    assert computing[0] == [
        "序号", "测评项", "测评对象", "问题描述", "风险等级",
        "优先级", "整改措施", "责任人", "完成期限", "整改状态",
    ]  # fmt: skip
    # the 重大风险隐患's problem first (紧急), then the one whose case is still to confirm (高)
    assert [r[1].split("\n")[1].split()[0] for r in computing[1:]] == ["L3-CES1-01", "L3-CES1-11"]
    assert [r[5] for r in computing[1:]] == ["紧急", "高"]
    assert computing[1][7:] == ["刘科长", "2025年6月10日", "待整改"]
    boundary = rows_of(table_after(doc, "表5"))[1]
    assert boundary[6].endswith("落实措施：调整防火墙策略，关闭未使用的端口")
    physical = rows_of(table_after(doc, "表4"))[1]
    assert physical[7:] == ["待定", "待定", "待分配"]
    listed = [r[1] for t in doc.tables for r in rows_of(t)[1:] if "\n" in r[1]]
    assert sorted(cell.split("\n")[1].split()[0] for cell in listed) == sorted(samples.GAP_UNITS)


def test_plan_overview_counts_and_major_risks_come_first():
    doc = opened(render_remediation_plan(samples.PLAN))
    overview = rows_of(table_after(doc, "表1"))
    assert overview[-1] == ["合计", "合计", "5", "1", "1", "1", "2", "1"]  # 已完成: the verified task
    assert rows_of(table_after(doc, "表2"))[1:] == [
        ["紧急", "构成重大风险隐患的问题", "立即整改，复测前必须完成", "1"],
        ["高", "高风险问题，或适用高风险判例尚待确认的问题", "优先安排整改", "1"],
        ["中", "中风险问题", "在完成期限内整改", "1"],
        ["低", "低风险问题", "结合建设与运维计划整改", "2"],
    ]
    majors = rows_of(table_after(doc, "表3"))
    assert majors[1] == [
        "1",
        "核心系统存在弱口令",
        "数据库服务器与应用服务器使用弱口令，可被直接登录。",
        "L3-CES1-01 身份鉴别",
        "未整改",
    ]
    order = headings(doc)
    assert order.index("三、重大风险隐患") < order.index("四、整改措施")


def test_a_fixed_major_risk_no_longer_makes_its_problem_urgent():
    item = samples.PLAN.items[2]
    assert priority(item, frozenset({item.unit})) == "紧急"
    fixed = dataclasses.replace(samples.PLAN.major_risks[0], fixed=True)
    context = remediation_plan_context(dataclasses.replace(samples.PLAN, major_risks=(fixed,)))
    assert context["category_total"]["urgent"] == 0 and context["category_total"]["high"] == 2
    low_with_rejected_case = PlanItem(samples.GAP_ROWS[0], "L3-PES1-05", case_status="rejected")
    assert priority(low_with_rejected_case) == "低"


def test_plan_without_problems_or_major_risks():
    doc = opened(render_remediation_plan(PlanData(samples.PLAN_SUBJECT, ())))
    text = all_text(doc)
    assert "未发现重大风险隐患" in text and "未发现需要整改的安全问题" in text
    assert not any(p.text.startswith("表3") for p in doc.paragraphs)
    assert_no_tags(doc)


def test_missing_for_plan_names_problems_without_a_remediation():
    bare = dataclasses.replace(
        samples.PLAN.items[1], row=dataclasses.replace(samples.GAP_ROWS[1], remediation=" ")
    )
    data = dataclasses.replace(samples.PLAN, items=(samples.PLAN.items[0], bare))
    assert missing_for_remediation_plan(data) == ["L3-ABS1-01 的整改建议"]


# --- 复测对比报告 -----------------------------------------------------------------------


def test_retest_report_figures_conclusion_and_chart():
    doc = opened(render_retest_report(samples.RETEST))
    assert headings(doc) == [
        "一、复测概述",
        "二、复测结论",
        "三、各安全类对比",
        "四、测评结果变化明细",
        "五、安全问题整改情况",
        "（一）已整改的问题",
        "（二）仍存在的问题",
        "（三）复测新发现的问题",
    ]
    overall = rows_of(table_after(doc, "表1"))
    assert overall[0] == ["项目", "初测", "第1次复测"]
    assert overall[1] == ["符合率", "78.5%", "91.25%"]
    assert overall[2] == ["测评结论", "基本符合", "符合"]
    assert overall[3] == ["重大风险隐患数量", "1", "1（1个已整改）"]  # counted before remediation
    assert overall[4] == ["其中未整改", "1", "0"]
    text = all_text(doc)
    assert "符合率提高 12.75 个百分点" in text
    assert rows_of(table_after(doc, "表2"))[1:] == [
        ["1", "安全物理环境", "92%", "92%", "持平"],
        ["2", "安全区域边界", "75%", "95%", "+20个百分点"],
        ["3", "安全计算环境", "66.67%", "88.5%", "+21.83个百分点"],
        ["4", "安全运维管理", "85%", "90%", "+5个百分点"],
    ]
    assert len(doc.inline_shapes) == 1 and "图1　各安全类符合率对比" in text
    assert_no_tags(doc)


def test_retest_report_lists_every_change_and_the_problems_fixed_open_and_new():
    doc = opened(render_retest_report(samples.RETEST))
    changes = rows_of(table_after(doc, "表3"))[1:]
    assert [(r[1], r[2], r[4], r[5], r[6]) for r in changes] == [
        ("核心防火墙", "L3-ABS1-01", "不符合", "符合", "改善"),
        ("应用服务器", "L3-CES1-01", "不符合", "符合", "改善"),
        ("数据库服务器", "L3-CES1-01", "不符合", "部分符合", "改善"),
        ("主机房", "L3-PES1-01", "符合", "部分符合", "下降"),
    ]
    assert "共有 4 个测评结果发生变化，其中改善 3 个、下降 1 个。" in all_text(doc)

    def units(caption: str) -> list[str]:
        return [r[3].split()[0] for r in rows_of(table_after(doc, caption))[1:]]

    assert units("表4") == ["L3-ABS1-01", "L3-CES1-11"]
    assert units("表5") == ["L3-PES1-05", "L3-CES1-01", "L3-MMS1-20"]
    assert units("表6") == ["L3-PES1-01"]
    assert {r[5] for r in rows_of(table_after(doc, "表4"))[1:]} == {"已整改"}


def test_retest_without_changes_or_chart_shows_none_rows():
    quiet = dataclasses.replace(samples.RETEST, changes=(), after_problems=samples.RETEST.before_problems)
    doc = opened(render_retest_report(quiet, charts_on=False))
    assert len(doc.inline_shapes) == 0 and "图1" not in all_text(doc)
    assert rows_of(table_after(doc, "表3"))[1:] == [["无"] * 7]
    assert rows_of(table_after(doc, "表4"))[1:] == [["无"] * 6]
    assert "之间没有测评结果发生变化" in all_text(doc)
    assert_no_tags(doc)


def test_a_problem_marked_fixed_in_the_later_round_counts_as_fixed():
    still = samples.RETEST.after_problems[0]
    marked = dataclasses.replace(still, row=dataclasses.replace(still.row, status="已整改"))
    outcome = problem_outcome(dataclasses.replace(samples.RETEST, after_problems=(marked,)))
    assert [r.item.split()[0] for r in outcome.fixed] == list(samples.GAP_UNITS)
    assert outcome.still_open == () and outcome.new == ()


def test_2021_scheme_compares_the_weighted_score():
    def scored(figures: RoundFigures, value: float, conclusion: str) -> RoundFigures:
        return dataclasses.replace(figures, scheme="2021", weighted_score=value, conclusion=conclusion)

    data = dataclasses.replace(
        samples.RETEST,
        before=scored(samples.RETEST.before, 72.4, "中"),
        after=scored(samples.RETEST.after, 85.0, "良"),
    )
    context = retest_report_context(data)
    assert context["figure_name"] == "综合得分"
    assert context["comparison"][0] == {"name": "综合得分", "before": "72.4分", "after": "85分"}
    assert "综合得分提高 12.6 分" in context["conclusion"][0]


def test_trend_ranks_results_and_leaves_not_applicable_unranked():
    assert trend("不符合", "部分符合") == "改善"
    assert trend("符合", "不符合") == "下降"
    assert trend("符合", "不适用") == "变化"
    assert trend("", "符合") == "变化"


def test_missing_for_retest_names_a_round_without_results():
    empty = dataclasses.replace(samples.RETEST.after, counts={})
    assert missing_for_retest_report(dataclasses.replace(samples.RETEST, after=empty)) == [
        "第1次复测的测评结果"
    ]
    assert missing_for_retest_report(samples.RETEST) == []


# --- shared -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gap_list", "remediation_plan", "retest_report"])
def test_shipped_templates_pass_the_replacement_check(kind):
    spec = kinds.KINDS[kind]
    assert builder.unknown_fields(spec.default, spec.sample_context()) == []
    assert kinds.check_template(spec.default, kind) == []


def test_a_replacement_template_with_a_wrong_field_is_named(tmp_path):
    source = Document(str(kinds.KINDS["remediation_plan"].default))
    source.add_paragraph("{{ subject.clinet }}{{ owner_phone }}")
    path = tmp_path / "plan.docx"
    source.save(str(path))
    assert kinds.check_template(path, "remediation_plan") == [
        "未知字段：owner_phone",
        "未知字段：subject.clinet",
    ]


def test_input_data_is_plain_json():
    stored = json.loads(json.dumps(as_data(samples.PLAN), ensure_ascii=False))
    assert stored["subject"]["date"] == "2025-05-20"
    assert stored["items"][1]["due_date"] == "2025-06-30" and stored["items"][1]["row"]["risk"] == "中"
    assert json.loads(json.dumps(as_data(samples.RETEST)))["after"]["compliance_rate"] == 91.25


def test_chinese_numbers_and_clean_text():
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 23, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
        "九十九",
    ]
    assert clean(" a\r\nb\x00c\t ") == "a\nbc"
