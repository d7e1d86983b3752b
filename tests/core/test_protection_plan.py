"""The rules of the 保护工作方案: who needs one, the cause of a problem, its stage, the plan's order."""

from __future__ import annotations

import datetime as dt

import pytest

from dengbao.core import protection_plan as pp
from dengbao.core.documents import protection_plan as doc


def _finding(unit: str, result: str, counts: dict, *, risk: str = "", case: str = "") -> pp.ItemFinding:
    category = unit.split("-")[1][:3]
    return pp.ItemFinding(unit, category, "控制点", "要求", result, counts, risk=risk, case=case)


@pytest.mark.parametrize(
    ("level", "needed"), [(None, False), (1, False), (2, False), (3, True), (4, True), (5, True)]
)
def test_level_3_and_above_need_the_plan(level, needed):
    assert pp.required(level) is needed


def test_the_refusal_names_the_system_and_its_level():
    assert pp.refusal("门户网站", 2) == "保护工作方案仅适用于第三级及以上的定级对象：门户网站为第二级"


@pytest.mark.parametrize(
    ("unit", "result", "counts", "cause"),
    [
        ("L3-CES1-01", "不符合", {"不符合": 3}, "技术措施缺失"),
        ("L3-CES1-01", "部分符合", {"符合": 2, "不符合": 1}, "措施覆盖不全（部分对象未落实）"),
        ("L3-CES1-01", "部分符合", {"符合": 2, "部分符合": 1}, "配置或策略不完善"),
        ("L3-PES1-03", "部分符合", {"部分符合": 1}, "配置或策略不完善"),
        ("L3-PSS1-01", "不符合", {"不符合": 1}, "管理制度缺失"),
        ("L3-ORS1-02", "不符合", {"不符合": 1}, "管理机构或岗位缺失"),
        ("L3-MMS1-10", "不符合", {"不符合": 2}, "运维管理制度缺失"),
        ("L3-HRS1-01", "部分符合", {"符合": 1, "不符合": 1}, "管理要求落实不到位"),
    ],
)
def test_cause_follows_the_category_and_the_objects_results(unit, result, counts, cause):
    assert pp.cause_text(_finding(unit, result, counts)) == cause


def test_stage_puts_high_risk_and_major_risks_first():
    low = _finding("L3-CES1-02", "部分符合", {"部分符合": 1}, risk="低")
    assert pp.stage(low) == 2
    assert pp.stage(low, frozenset({"L3-CES1-02"})) == 0  # part of an open 重大风险隐患
    assert pp.stage(_finding("L3-CES1-03", "不符合", {"不符合": 1}, risk="高")) == 0
    assert pp.stage(_finding("L3-CES1-04", "不符合", {"不符合": 1}, risk="中")) == 1
    assert pp.stage(_finding("L3-CES1-05", "不符合", {"不符合": 1})) == 1  # no problem record: by its result


def test_approaches_group_by_category_in_the_standards_order():
    findings = [
        _finding("L3-MMS1-01", "不符合", {"不符合": 1}, risk="中"),
        _finding("L3-CES1-01", "不符合", {"不符合": 1}, risk="高"),
        _finding("L3-CES1-02", "部分符合", {"符合": 1, "不符合": 1}, risk="低"),
        _finding("L3-CES1-03", "符合", {"符合": 2}),
    ]
    out = pp.approaches(findings)
    assert [a.category for a in out] == ["CES", "MMS"]
    ces, mms = out
    assert (ces.count, ces.first_stage, ces.priority, ces.technical) == (2, 1, "优先", True)
    assert ces.measures == (pp.CAUSES[pp.MISSING_MEASURE][1], pp.CAUSES[pp.NOT_EVERYWHERE][1])
    assert (mms.priority, mms.technical, mms.causes) == ("一般", False, (("运维管理制度缺失", 1),))


def test_tasks_are_ordered_by_date_then_risk_and_undated_last():
    day = dt.date(2026, 3, 1)

    def task(unit, due, risk):
        return pp.Task(unit, "t", "", "owner", due, "待整改", risk)

    tasks = [
        task("L3-CES1-09", None, "高"),
        task("L3-CES1-05", day, "低"),
        task("L3-CES1-07", day, "高"),
        task("L3-CES1-01", day + dt.timedelta(days=1), "高"),
    ]
    order = ["L3-CES1-07", "L3-CES1-05", "L3-CES1-01", "L3-CES1-09"]
    assert [t.unit for t in pp.ordered_tasks(tasks)] == order
    assert pp.task_flag(tasks[0], day) == "未定完成期限"
    assert pp.task_flag(tasks[1], day + dt.timedelta(days=1)) == "已逾期"
    assert pp.task_flag(tasks[1], day) == ""
    verified = pp.Task("L3-CES1-05", "t", "", "o", day, "已验证", "低", done=True, open=False)
    assert pp.task_flag(verified, day + dt.timedelta(days=9)) == ""


def test_the_sample_context_flags_the_undated_task_and_counts_the_problems():
    context = doc.protection_plan_context(doc.sample_input())
    assert [r["due"] for r in context["plan_rows"]] == ["2025年6月30日", "未定（请补充）"]
    assert "1 项尚未确定完成期限" in context["plan_text"]
    assert [g["category"] for g in context["problem_groups"]] == ["安全计算环境", "安全管理制度"]
    causes = [r["cause"] for g in context["problem_groups"] for r in g["rows"]]
    assert causes == ["技术措施缺失", "管理要求落实不到位"]
    assert context["tables"] == {"approach": 9, "stage": 10, "plan": 11}
    assert context["asset_total"]["count"] == "3" and context["asset_total"]["key"] == "2"
