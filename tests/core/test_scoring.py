"""Scoring and conclusion: hand-computed cases, the boundaries, properties, and the CLI.

Every expected figure below is worked out by hand in the comment next to it, not taken
from the code.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dengbao.cli import main
from dengbao.core.catalogue import default
from dengbao.core.scoring import (
    SCHEMES,
    Adjustment,
    ItemResult,
    Result,
    Scheme2021,
    Scheme2025,
    ScoringError,
    scheme_from_dict,
    score,
    score_document,
)

OK, PART, FAIL, NA = Result.CONFORMS, Result.PARTIAL, Result.FAILS, Result.NOT_APPLICABLE


def rows(*triples) -> list[ItemResult]:
    return [ItemResult(u, o, r) for u, o, r in triples]


def units(n: int, result: Result, *, prefix: str = "L3-MMS1", obj: str = "DOC") -> list[ItemResult]:
    """n single-object items with the same result, numbered from 01."""
    return [ItemResult(f"{prefix}-{i:02d}", obj, result) for i in range(1, n + 1)]


def many_objects(unit: str, conform: int, fail: int) -> list[ItemResult]:
    """One item on conform + fail objects: its score is conform / (conform + fail)."""
    return [ItemResult(unit, f"OBJ{i:04d}", OK if i < conform else FAIL) for i in range(conform + fail)]


# The issue's example: 4 items, 符合率 68.75 %, 基本符合.
# L3-CES1-01: HIS-DB 部分符合 0.5, HIS-OS 不符合 0 → 0.25;  L3-CES1-02: 符合 → 1;
# L3-CES1-03: 符合 on both objects → 1;  L3-CES1-04: 部分符合 → 0.5.
# (0.25 + 1 + 1 + 0.5) / 4 = 2.75 / 4 = 68.75 %.
EXAMPLE = [
    {"unit": "L3-CES1-01", "object": "HIS-DB", "result": "部分符合"},
    {"unit": "L3-CES1-01", "object": "HIS-OS", "result": "不符合"},
    {"unit": "L3-CES1-02", "object": "HIS-DB", "result": "符合"},
    {"unit": "L3-CES1-03", "object": "HIS-DB", "result": "符合"},
    {"unit": "L3-CES1-03", "object": "HIS-OS", "result": "符合"},
    {"unit": "L3-CES1-04", "object": "HIS-DB", "result": "部分符合"},
]


def example_rows() -> list[ItemResult]:
    return [ItemResult(r["unit"], r["object"], Result(r["result"])) for r in EXAMPLE]


# --- Hand-computed cases -----------------------------------------------------------------


def test_issue_example():
    s = score(example_rows(), scheme="2025")
    assert (s.compliance_rate, s.conclusion, s.items_scored) == (68.75, "基本符合", 4)
    assert [i.score for i in s.items] == [0.25, 1.0, 1.0, 0.5]
    assert dict(s.counts) == {"符合": 3, "部分符合": 2, "不符合": 1, "不适用": 0}
    assert s.as_dict()["compliance_rate"] == 68.75


def test_several_objects_per_item_are_averaged_first():
    # A: 符合 1, 部分符合 0.5, 不符合 0 over three objects → 0.5;  B: 符合 on two → 1.
    # (0.5 + 1) / 2 = 75 %.  A flat mean of the five results would give (1+0.5+0+1+1)/5 = 70 %.
    s = score(
        rows(
            ("L3-CES1-01", "DB", OK),
            ("L3-CES1-01", "OS", PART),
            ("L3-CES1-01", "APP", FAIL),
            ("L3-CES1-02", "DB", OK),
            ("L3-CES1-02", "OS", OK),
        ),
        scheme="2025",
    )
    assert s.compliance_rate == 75.0
    assert [(o.key, o.score, o.items) for o in s.objects] == [
        ("APP", 0.0, 1),  # 0 / 1
        ("DB", 100.0, 2),  # (1 + 1) / 2
        ("OS", 75.0, 2),  # (0.5 + 1) / 2
    ]


def test_not_applicable_is_excluded_and_an_all_na_item_leaves_the_denominator():
    # A: 符合 on DB, 不适用 on OS → 1 (not 0.5);  B: 不适用 everywhere → dropped;  C: 不符合 → 0.
    # (1 + 0) / 2 = 50 %, two items scored.
    s = score(
        rows(
            ("L3-CES1-01", "DB", OK),
            ("L3-CES1-01", "OS", NA),
            ("L3-CES1-02", "DB", NA),
            ("L3-CES1-02", "OS", NA),
            ("L3-CES1-03", "DB", FAIL),
        ),
        scheme="2025",
    )
    assert (s.compliance_rate, s.items_scored, s.items_not_applicable) == (50.0, 2, ("L3-CES1-02",))
    assert s.conclusion == "不符合"  # 50 ≤ 60


def test_partial_counts_half():
    # 部分符合 0.5, 部分符合 0.5, 符合 1, 不符合 0 → 2 / 4 = 50 %.
    data = units(2, PART) + units(1, OK, prefix="L3-PSS1") + units(1, FAIL, prefix="L3-HRS1")
    assert score(data, scheme="2025").compliance_rate == 50.0
    # an agency's scheme with 部分符合 = 0.4: (0.4 + 0.4 + 1 + 0) / 4 = 45 %
    custom = scheme_from_dict({"base": "2025", "name": "机构A", "partial_weight": 0.4})
    assert score(data, scheme=custom).compliance_rate == 45.0


def test_aggregation_is_a_scheme_parameter():
    data = rows(
        ("L3-CES1-01", "DB", OK),
        ("L3-CES1-01", "OS", PART),
        ("L3-CES1-01", "APP", FAIL),
        ("L3-CES1-02", "DB", OK),
    )
    # item_mean: (0.5 + 1) / 2 = 75;  result_mean: (1 + 0.5 + 0 + 1) / 4 = 62.5;
    # item_worst: (0 + 1) / 2 = 50.
    assert score(data, scheme="2025").compliance_rate == 75.0
    assert score(data, scheme=Scheme2025(name="flat", aggregation="result_mean")).compliance_rate == 62.5
    assert score(data, scheme=Scheme2025(name="worst", aggregation="item_worst")).compliance_rate == 50.0


def test_category_score_from_control_points_is_a_scheme_option():
    # 安全计算环境 with the catalogue: 身份鉴别 has L3-CES1-01 (符合 1) and L3-CES1-02 (不符合 0),
    # 访问控制 has L3-CES1-05 (符合 1).
    # items: (1 + 0 + 1) / 3 = 66.67;  control_points: (身份鉴别 0.5 + 访问控制 1) / 2 = 75.
    data = rows(("L3-CES1-01", "OS", OK), ("L3-CES1-02", "OS", FAIL), ("L3-CES1-05", "OS", OK))
    by_items = score(data, scheme="2025", catalogue=default())
    by_points = score(data, scheme=Scheme2025(name="cp", category_from="control_points"), catalogue=default())
    assert [(c.name, c.score) for c in by_items.categories] == [("安全计算环境", 66.67)]
    assert [(c.name, c.score) for c in by_points.categories] == [("安全计算环境", 75.0)]
    # the overall rate is over items either way, and the report's assumptions say which was used
    assert by_items.compliance_rate == by_points.compliance_rate == 66.67
    assert any("控制点得分的平均" in line for line in by_points.scheme.assumptions())
    assert any("各测评项得分的平均" in line for line in by_items.scheme.assumptions())
    with pytest.raises(ScoringError, match="category_from"):
        Scheme2025(name="bad", category_from="objects")
    with pytest.raises(ScoringError, match="另起名称"):
        Scheme2025(category_from="control_points")  # still called "2025"


def test_rate_is_rounded_half_up_to_two_decimals():
    # 2 / 3 = 66.666… → 66.67;  1 / 3 = 33.333… → 33.33
    assert score(units(2, OK) + units(1, FAIL, prefix="L3-PSS1"), scheme="2025").compliance_rate == 66.67
    assert score(units(1, OK) + units(2, FAIL, prefix="L3-PSS1"), scheme="2025").compliance_rate == 33.33
    # one 部分符合 among 8 items: 0.5 / 8 = 6.25 % exactly; to one decimal, half up → 6.3
    one_decimal = Scheme2025(name="p1", precision=1)
    assert score(units(1, PART) + units(7, FAIL, prefix="L3-PSS1"), scheme=one_decimal).compliance_rate == 6.3


# --- Adjustments (整体测评) ------------------------------------------------------------------


def test_raising_and_lowering_adjustments_change_the_score_and_are_reported():
    base = example_rows()
    raised = Adjustment(
        "L3-CES1-01", "HIS-OS", OK, "区域间", "HIS-OS 仅能经堡垒机访问，堡垒机已实现双因素认证"
    )
    lowered = Adjustment("L3-CES1-02", "HIS-DB", PART, "安全控制点间", "口令复杂度策略未覆盖应用账号")
    s = score(base, scheme="2025", adjustments=[raised, lowered])
    # L3-CES1-01: 0.5 and 1 → 0.75;  L3-CES1-02: 0.5;  L3-CES1-03: 1;  L3-CES1-04: 0.5 → 2.75 / 4 = 68.75
    assert s.compliance_rate == 68.75
    only_raised = score(base, scheme="2025", adjustments=[raised])
    # 0.75 + 1 + 1 + 0.5 = 3.25 / 4 = 81.25
    assert only_raised.compliance_rate == 81.25
    assert [(a.unit, a.obj, a.before, a.after, a.direction, a.kind.value) for a in s.adjustments] == [
        ("L3-CES1-01", "HIS-OS", FAIL, OK, "上调", "区域间"),
        ("L3-CES1-02", "HIS-DB", OK, PART, "下调", "安全控制点间"),
    ]
    reported = s.as_dict()["adjustments"][0]
    assert reported["reason"].startswith("HIS-OS 仅能经堡垒机访问") and reported["object"] == "HIS-OS"
    assert dict(s.counts) == {"符合": 3, "部分符合": 3, "不符合": 0, "不适用": 0}


def test_adjustment_of_every_object_of_a_unit_skips_na_and_already_equal_rows():
    data = rows(
        ("L3-CES1-01", "A", FAIL), ("L3-CES1-01", "B", OK), ("L3-CES1-01", "C", NA), ("L3-CES1-01", "D", PART)
    )
    s = score(
        data, scheme="2025", adjustments=[Adjustment("L3-CES1-01", None, OK, "层面间", "统一身份认证平台")]
    )
    assert [(a.obj, a.before) for a in s.adjustments] == [("A", FAIL), ("D", PART)]
    assert s.compliance_rate == 100.0  # A, B, D all 符合; C still 不适用


@pytest.mark.parametrize(
    ("adjustment", "message"),
    [
        (lambda: Adjustment("L3-CES1-09", "HIS-DB", OK, "区域间", "x"), "L3-CES1-09 不在结果中"),
        (lambda: Adjustment("L3-CES1-01", "NOPE", OK, "区域间", "x"), "NOPE 没有 L3-CES1-01 的结果"),
        (lambda: Adjustment("L3-CES1-02", "HIS-DB", OK, "区域间", "x"), "调整没有改变任何结果"),
        (lambda: Adjustment("L3-CES1-01", "HIS-OS", OK, "区域间", "  "), "必须写明调整理由"),
        (lambda: Adjustment("L3-CES1-01", "HIS-OS", NA, "区域间", "x"), "不能把结果改为不适用"),
        (lambda: Adjustment("L3-CES1-01", "HIS-OS", "很好", "区域间", "x"), "调整后的结果“很好”"),
        (lambda: Adjustment("L3-CES1-01", "HIS-OS", OK, "机房间", "x"), "调整类型“机房间”"),
    ],
)
def test_bad_adjustments_are_refused(adjustment, message):
    with pytest.raises(ScoringError, match=message):
        score(example_rows(), scheme="2025", adjustments=[adjustment()])


def test_a_row_is_adjusted_once_and_na_rows_cannot_be():
    twice = [
        Adjustment("L3-CES1-01", "HIS-OS", PART, "区域间", "a"),
        Adjustment("L3-CES1-01", None, OK, "层面间", "b"),
    ]
    with pytest.raises(ScoringError, match=r"第 2 条调整.*已由第 1 条调整改变过"):
        score(example_rows(), scheme="2025", adjustments=twice)
    with pytest.raises(ScoringError, match="不适用的结果不能调整"):
        score(
            rows(("L3-CES1-01", "A", NA), ("L3-CES1-02", "A", OK)),
            scheme="2025",
            adjustments=[Adjustment("L3-CES1-01", "A", OK, "区域间", "x")],
        )


# --- 2025 boundaries ------------------------------------------------------------------------


def conclusion(data, **kw):
    s = score(data, scheme=kw.pop("scheme", "2025"), **kw)
    return s.compliance_rate, s.conclusion


def test_exactly_90_is_basically_conforming():
    # 9 符合 + 1 不符合 = 90.00 % → not "above 90" → 基本符合
    assert conclusion(units(9, OK) + units(1, FAIL, prefix="L3-PSS1")) == (90.0, "基本符合")


def test_90_01_conforms():
    # 16 items: 14 符合, one item on 625 objects with 251 符合 (251/625 = 0.4016), one 不符合:
    # (14 + 0.4016) / 16 = 0.9001 → 90.01 % → 符合
    data = units(14, OK) + many_objects("L3-CES1-01", 251, 374) + units(1, FAIL, prefix="L3-PSS1")
    assert conclusion(data) == (90.01, "符合")


def test_decided_on_the_reported_rate():
    # 8 items: 7 符合, one on 3125 objects with 626 符合 (0.20032): (7 + 0.20032) / 8 = 0.90004
    # → reported 90.00 % → 基本符合, never "90.00 %, 符合".
    data = units(7, OK) + many_objects("L3-CES1-01", 626, 2499)
    assert conclusion(data) == (90.0, "基本符合")


def test_exactly_60_fails_and_just_above_is_basically_conforming():
    # 3 符合 + 2 不符合 = 60.00 % → 不符合
    assert conclusion(units(3, OK) + units(2, FAIL, prefix="L3-PSS1")) == (60.0, "不符合")
    # 16 items: 9 符合, one at 376/625 = 0.6016, 6 不符合: (9 + 0.6016) / 16 = 0.6001 → 60.01 %
    data = units(9, OK) + many_objects("L3-CES1-01", 376, 249) + units(6, FAIL, prefix="L3-PSS1")
    assert conclusion(data) == (60.01, "基本符合")


def test_above_90_with_a_major_risk_is_basically_conforming():
    assert conclusion(units(10, OK)) == (100.0, "符合")
    assert conclusion(units(10, OK), major_risks=1) == (100.0, "基本符合")
    s = score(units(10, OK), scheme="2025", major_risks=2)
    assert "2 个重大风险隐患" in s.conclusion_reason
    # a major risk does not lower a rate between 60 and 90, nor lift one below 60
    assert conclusion(units(7, OK) + units(3, FAIL, prefix="L3-PSS1"), major_risks=3) == (70.0, "基本符合")
    assert conclusion(units(1, OK) + units(3, FAIL, prefix="L3-PSS1"), major_risks=3) == (25.0, "不符合")


def test_inclusive_boundaries_are_parameters():
    at_90 = units(9, OK) + units(1, FAIL, prefix="L3-PSS1")
    at_60 = units(3, OK) + units(2, FAIL, prefix="L3-PSS1")
    assert conclusion(at_90, scheme=Scheme2025(name="ge90", pass_inclusive=True)) == (90.0, "符合")
    assert conclusion(at_60, scheme=Scheme2025(name="gt60", fail_inclusive=False)) == (60.0, "基本符合")
    assert conclusion(at_90, scheme=Scheme2025(name="85", pass_threshold=85)) == (90.0, "符合")


# --- 2021 (approximation) ---------------------------------------------------------------------


def grade_2021(n_ok: int, n_fail: int, risks=None, scheme="2021"):
    s = score(units(n_ok, OK) + units(n_fail, FAIL, prefix="L3-PSS1"), scheme=scheme, risk_counts=risks)
    return s.weighted_score, s.conclusion


def test_2021_thresholds():
    # every item 关键 (ω = 1) by default, so 综合得分 = the plain mean
    assert grade_2021(10, 0) == (100.0, "优")
    assert grade_2021(9, 1) == (90.0, "优")  # ≥ 90, no 中/高 risk
    assert grade_2021(9, 1, {"中": 1}) == (90.0, "良")  # a 中 risk blocks 优
    assert grade_2021(17, 3) == (85.0, "良")
    assert grade_2021(8, 2) == (80.0, "良")
    assert grade_2021(15, 5) == (75.0, "中")
    assert grade_2021(7, 3) == (70.0, "中")
    assert grade_2021(13, 7) == (65.0, "差")  # < 70
    assert grade_2021(10, 0, {"高": 1}) == (100.0, "差")  # any 高 risk
    assert grade_2021(10, 0, {"high": 1, "low": 4}) == (100.0, "差")


def test_2021_weights_by_importance():
    # A 关键 不符合, B 一般 不符合, C and D 关键 符合.
    # deduction: 100 − 1·(1−0)·25 − 0.2·(1−0)·25 = 100 − 25 − 5 = 70
    # weighted mean: (1·0 + 0.2·0 + 1 + 1) / (1 + 0.2 + 1 + 1) = 2 / 3.2 = 62.5
    data = rows(
        ("L3-CES1-01", "DB", FAIL),
        ("L3-PSS1-01", "DOC", FAIL),
        ("L3-PSS1-02", "DOC", OK),
        ("L3-PSS1-03", "DOC", OK),
    )
    by_unit = Scheme2021(name="u", importance={"L3-PSS1-01": "一般"})
    s = score(data, scheme=by_unit)
    assert (s.weighted_score, s.compliance_rate, s.conclusion) == (70.0, 50.0, "中")
    assert [(i.unit, i.weight) for i in s.items] == [  # CES before PSS, the standard's order
        ("L3-CES1-01", 1.0),
        ("L3-PSS1-01", 0.2),
        ("L3-PSS1-02", 1.0),
        ("L3-PSS1-03", 1.0),
    ]
    mean = Scheme2021(name="m", form="weighted_mean", importance={"L3-PSS1-01": "一般"})
    assert score(data, scheme=mean).weighted_score == 62.5
    # the same by control point, from the catalogue (L3-CES1-01 is 身份鉴别 in 安全计算环境)
    cat = default()
    by_cp = Scheme2021(name="cp", importance={"CES:身份鉴别": "一般"})
    # now A is 一般 and B 关键: 100 − 0.2·25 − 1·25 = 70 again
    assert score(data, scheme=by_cp, catalogue=cat).weighted_score == 70.0
    # by plain control-point name, 重要 (0.5): 100 − 0.5·25 − 1·25 = 62.5
    by_name = Scheme2021(name="n", importance={"身份鉴别": "重要"})
    assert score(data, scheme=by_name, catalogue=cat).weighted_score == 62.5


# --- Control points (GB/T 28448 11.2) ---------------------------------------------------------


def test_control_point_results_per_object_and_overall():
    # 身份鉴别 = L3-CES1-01..04 in the catalogue.
    cp_rows = []
    for unit in ("L3-CES1-01", "L3-CES1-02", "L3-CES1-03", "L3-CES1-04"):
        cp_rows += [ItemResult(unit, "DB", OK), ItemResult(unit, "OS", FAIL), ItemResult(unit, "DOC", NA)]
    cp_rows += [
        ItemResult("L3-CES1-01", "APP", OK),
        ItemResult("L3-CES1-02", "APP", FAIL),
        ItemResult("L3-CES1-01", "WEB", PART),
        ItemResult("L3-CES1-05", "DB", OK),  # 访问控制: all 符合
    ]
    s = score(cp_rows, scheme="2025", catalogue=default())
    by_name = {c.control_point: c for c in s.control_points}
    auth = by_name["身份鉴别"]
    assert auth.category == "CES" and auth.units == ("L3-CES1-01", "L3-CES1-02", "L3-CES1-03", "L3-CES1-04")
    assert dict(auth.by_object) == {"APP": PART, "DB": OK, "DOC": NA, "OS": FAIL, "WEB": PART}
    assert auth.result is PART
    assert by_name["访问控制"].result is OK


def test_control_point_overall_all_conform_none_conform_and_all_na():
    def overall(*results):
        data = [ItemResult(f"L3-CES1-0{i + 1}", "DB", r) for i, r in enumerate(results)]
        data.append(ItemResult("L3-PSS1-01", "DOC", OK))  # something applicable elsewhere
        return score(data, scheme="2025", catalogue=default()).control_points[0].result

    assert overall(OK, OK, NA, OK) is OK  # 不适用 excluded
    assert overall(FAIL, FAIL, FAIL, NA) is FAIL
    assert overall(OK, FAIL, FAIL, FAIL) is PART
    assert overall(PART, PART, PART, PART) is PART  # partly met, not 不符合
    assert overall(PART, FAIL, FAIL, FAIL) is PART
    assert overall(NA, NA, NA, NA) is NA


def test_without_a_catalogue_categories_come_from_the_unit_id():
    data = rows(
        ("L3-CES1-01", "DB", OK),
        ("L3-CES1-02", "DB", FAIL),
        ("L3-MMS1-01", "DOC", PART),
        ("自定义-1", "X", OK),
    )
    s = score(data, scheme="2025")
    # CES: (1 + 0) / 2 = 50;  MMS: 0.5 → 50;  unknown ID → 其他: 100
    assert [(c.key, c.name, c.score, c.items) for c in s.categories] == [
        ("CES", "安全计算环境", 50.0, 2),
        ("MMS", "安全运维管理", 50.0, 1),
        ("", "其他", 100.0, 1),
    ]
    # each unknown unit is its own control point
    assert [c.control_point for c in s.control_points] == [
        "L3-CES1-01",
        "L3-CES1-02",
        "L3-MMS1-01",
        "自定义-1",
    ]
    assert s.compliance_rate == 62.5  # (1 + 0 + 0.5 + 1) / 4


def test_category_scores_with_the_catalogue_and_chart_numbers():
    s = score(
        example_rows() + rows(("L3-PES1-01", "机房", FAIL), ("L3-PES1-02", "机房", NA)),
        scheme="2025",
        catalogue=default(),
    )
    d = s.as_dict()
    # PES: 0 / 1 → 0 (L3-PES1-02 all 不适用);  CES: 68.75;  overall (2.75 + 0) / 5 = 55
    assert [(c["key"], c["score"], c["items"]) for c in d["categories"]] == [
        ("PES", 0.0, 1),
        ("CES", 68.75, 4),
    ]
    assert d["compliance_rate"] == 55.0 and d["conclusion"] == "不符合"
    assert d["charts"]["categories"] == [
        {"label": "安全物理环境", "value": 0.0},
        {"label": "安全计算环境", "value": 68.75},
    ]
    assert {c["label"]: c["value"] for c in d["charts"]["results"]} == {
        "符合": 3,
        "部分符合": 2,
        "不符合": 2,
        "不适用": 1,
    }
    assert (
        d["scheme_parameters"]["partial_weight"] == 0.5 and d["scheme_parameters"]["pass_inclusive"] is False
    )
    assert any("未公开" in line for line in d["assumptions"])
    json.dumps(d, ensure_ascii=False)  # plain JSON types only


# --- Bad input ---------------------------------------------------------------------------------


def test_unknown_result_names_the_row():
    data = [*example_rows(), ItemResult("L3-CES1-05", "HIS-DB", "合格")]
    with pytest.raises(ScoringError, match="第 7 条结果 L3-CES1-05 / HIS-DB：未知的结果“合格”"):
        score(data, scheme="2025")


def test_other_bad_rows():
    with pytest.raises(ScoringError, match="第 2 条结果与第 1 条重复"):
        score(rows(("L3-CES1-01", "A", OK), ("L3-CES1-01", "A", FAIL)), scheme="2025")
    with pytest.raises(ScoringError, match=r"第 2 条结果.*非空"):
        score(rows(("L3-CES1-01", "A", OK), ("L3-CES1-02", " ", OK)), scheme="2025")
    with pytest.raises(ScoringError, match="全部为不适用"):
        score(rows(("L3-CES1-01", "A", NA)), scheme="2025")
    with pytest.raises(ScoringError, match="重大风险隐患数量"):
        score(example_rows(), scheme="2025", major_risks=-1)
    with pytest.raises(ScoringError, match="未知的风险等级“严重”"):
        score(example_rows(), scheme="2021", risk_counts={"严重": 1})
    with pytest.raises(ScoringError, match="未知的评分方案“2019”"):
        score(example_rows(), scheme="2019")


def test_schemes_from_data():
    s = scheme_from_dict(
        {"base": "2021", "name": "某测评机构", "importance": {"身份鉴别": "重要"}, "fair": 65}
    )
    assert isinstance(s, Scheme2021) and s.importance["身份鉴别"] == "重要" and s.fair == 65
    assert scheme_from_dict({"name": "2025"}) == SCHEMES["2025"]
    with pytest.raises(ScoringError, match="未知参数 bonus"):
        scheme_from_dict({"base": "2025", "bonus": 1})
    with pytest.raises(ScoringError, match="参数 pass_inclusive"):
        scheme_from_dict({"base": "2025", "pass_inclusive": "yes"})
    with pytest.raises(ScoringError, match="参数 precision"):
        scheme_from_dict({"base": "2025", "precision": 2.5})
    with pytest.raises(ScoringError, match="fail_threshold ≤ pass_threshold"):
        scheme_from_dict({"base": "2025", "fail_threshold": 95})
    with pytest.raises(ScoringError, match="重要程度"):
        scheme_from_dict({"base": "2021", "importance": {"身份鉴别": "很重要"}})
    with pytest.raises(ScoringError, match="base “1999”"):
        scheme_from_dict({"base": "1999"})
    # a scheme that changes a parameter must not pass for the built-in one in a report
    with pytest.raises(ScoringError, match=r"改变了参数（partial_weight）的方案须另起名称"):
        scheme_from_dict({"base": "2025", "partial_weight": 0.3})
    with pytest.raises(ScoringError, match=r"改变了参数（weights）"):
        Scheme2021(weights={"一般": 0.1, "重要": 0.5, "关键": 1.0})


def test_score_document_validates_like_score():
    doc = {"scheme": "2025", "level": 3, "results": EXAMPLE, "major_risks": 0}
    assert score_document(doc).compliance_rate == 68.75
    assert score_document(doc).level == 3
    assert score_document(doc, scheme="2021").conclusion == "差"  # 68.75 < 70
    inline = doc | {"scheme": {"base": "2025", "name": "宽松", "fail_threshold": 50, "pass_threshold": 65}}
    assert score_document(inline).conclusion == "符合"  # 68.75 > 65
    adjusted = doc | {
        "adjustments": [
            {"unit": "L3-CES1-01", "object": "HIS-OS", "to": "符合", "kind": "区域间", "reason": "堡垒机"}
        ]
    }
    assert score_document(adjusted).compliance_rate == 81.25
    for bad, message in [
        ({"results": "x"}, "results：应为结果列表"),
        ({"results": [{"unit": "L3-CES1-01", "result": "符合"}]}, r"results\[0\]"),
        ({"results": [*EXAMPLE, {"unit": "L3-CES1-01", "object": "HIS-DB", "result": "符合"}]}, "结果重复"),
        (doc | {"level": 9}, "level"),
        (
            doc | {"adjustments": [{"unit": "L3-CES1-01", "to": "符合", "kind": "区域间"}]},
            r"adjustments\[0\].*理由",
        ),
    ]:
        with pytest.raises(ScoringError, match=message):
            score_document(bad)


def test_input_order_does_not_matter():
    data = example_rows() + rows(("L3-PES1-01", "机房", FAIL))
    first = score(data, scheme="2025", catalogue=default()).as_dict()
    assert score(list(reversed(data)), scheme="2025", catalogue=default()).as_dict() == first


# --- Properties ---------------------------------------------------------------------------------

UNITS = ["L3-CES1-01", "L3-CES1-02", "L3-CES1-05", "L3-PES1-01", "L3-MMS1-03", "L3-PSS1-01", "L2-ABS1-04"]
OBJECTS = ["DB", "OS", "APP", "DOC"]
PROPERTY_SCHEMES = [
    SCHEMES["2025"],
    SCHEMES["2021"],
    Scheme2025(name="flat", aggregation="result_mean", partial_weight=0.3),
    Scheme2025(name="worst", aggregation="item_worst"),
    Scheme2021(
        name="weighted", form="weighted_mean", importance={"L3-CES1-01": "一般", "L3-PSS1-01": "重要"}
    ),
    Scheme2021(name="deduction", importance={"L3-PES1-01": "一般", "L3-MMS1-03": "重要"}),
]

cells = st.dictionaries(
    st.tuples(st.sampled_from(UNITS), st.sampled_from(OBJECTS)), st.sampled_from(list(Result)), min_size=1
)


def figures(data: dict, scheme) -> tuple:
    s = score([ItemResult(u, o, r) for (u, o), r in data.items()], scheme=scheme)
    return s.compliance_rate, s.weighted_score, s.conclusion


def applicable(data: dict) -> bool:
    return any(r is not NA for r in data.values())


@settings(max_examples=150, deadline=None)
@given(cells, st.sampled_from(PROPERTY_SCHEMES))
def test_rate_stays_within_0_and_100(data, scheme):
    assume(applicable(data))
    rate, weighted, _ = figures(data, scheme)
    assert 0 <= rate <= 100
    assert weighted is None or 0 <= weighted <= 100


@settings(max_examples=150, deadline=None)
@given(cells, st.sampled_from(PROPERTY_SCHEMES), st.data())
def test_turning_a_result_to_conform_never_lowers_the_score(data, scheme, draw):
    assume(applicable(data))
    key = draw.draw(st.sampled_from(sorted(data)))
    before = figures(data, scheme)
    after = figures(data | {key: OK}, scheme)
    assert after[0] >= before[0]
    assert after[1] is None or after[1] >= before[1]


@settings(max_examples=150, deadline=None)
@given(cells, cells, st.sampled_from(PROPERTY_SCHEMES))
def test_adding_not_applicable_results_changes_nothing(data, extra, scheme):
    assume(applicable(data))
    more = data | {key: NA for key in extra if key not in data}
    assert figures(more, scheme) == figures(data, scheme)


@settings(max_examples=100, deadline=None)
@given(cells, st.sampled_from(PROPERTY_SCHEMES), st.randoms(use_true_random=False))
def test_permuting_the_input_changes_nothing(data, scheme, rnd):
    assume(applicable(data))
    items = [ItemResult(u, o, r) for (u, o), r in data.items()]
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert score(shuffled, scheme=scheme).as_dict() == score(items, scheme=scheme).as_dict()


# --- CLI ------------------------------------------------------------------------------------------


def run_cli(tmp_path, doc, *args, raw: str | None = None):
    path = tmp_path / "results.json"
    path.write_text(raw if raw is not None else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return CliRunner().invoke(main, ["score", "--json", str(path), *args])


def test_cli_prints_scores_and_conclusion_as_json(tmp_path):
    out = run_cli(tmp_path, {"scheme": "2025", "level": 3, "results": EXAMPLE, "major_risks": 0})
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {k: data[k] for k in ("scheme", "compliance_rate", "conclusion", "items_scored")} == {
        "scheme": "2025",
        "compliance_rate": 68.75,
        "conclusion": "基本符合",
        "items_scored": 4,
    }
    assert data["level"] == 3 and data["categories"][0]["name"] == "安全计算环境"
    assert data["control_points"][0]["control_point"] == "身份鉴别"  # from the shipped catalogue


def test_cli_reads_stdin_and_overrides_the_scheme():
    doc = json.dumps({"scheme": "2025", "results": EXAMPLE, "risk_counts": {"高": 0, "中": 1}})
    out = CliRunner().invoke(main, ["score", "--json", "-", "--scheme", "2021"], input=doc)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["scheme"], data["weighted_score"], data["conclusion"]) == ("2021", 68.75, "差")


def test_cli_reads_an_agency_scheme_file(tmp_path):
    scheme = tmp_path / "agency.yaml"
    scheme.write_text(
        "base: '2025'\nname: 本机构\npass_threshold: 65\nfail_threshold: 50\n", encoding="utf-8"
    )
    out = run_cli(tmp_path, {"results": EXAMPLE}, "--scheme", str(scheme))
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["scheme"], data["conclusion"], data["scheme_parameters"]["pass_threshold"]) == (
        "本机构",
        "符合",
        65,
    )


def test_cli_bad_file(tmp_path):
    out = CliRunner().invoke(main, ["score", "--json", str(tmp_path / "missing.json")])
    assert out.exit_code == 2 and "missing.json" in out.output and "Traceback" not in out.output
    broken = run_cli(tmp_path, None, raw='{"results": [')
    assert broken.exit_code == 2 and "not valid JSON" in broken.output and "line 1" in broken.output


def test_cli_unknown_result_value(tmp_path):
    rows_ = [*EXAMPLE, {"unit": "L3-CES1-05", "object": "HIS-DB", "result": "基本合格"}]
    out = run_cli(tmp_path, {"results": rows_})
    assert out.exit_code == 2
    assert "results[6]（第 7 条） L3-CES1-05 / HIS-DB：未知的结果“基本合格”" in out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)
