"""The shipped catalogue against the standard's verified counts (MLPS-FACTS §1.2–1.4)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from dengbao.core.catalogue import default, query
from dengbao.core.catalogue.loader import verdict_problems
from dengbao.core.catalogue.vocab import CATEGORIES, expected_attribute

from .facts import CONTROL_POINTS, EXTENSION_TOTALS, GENERAL_TOTALS, HIGH_RISK_PER_PART, LEVEL1_CATEGORIES


@pytest.fixture(scope="module")
def cat():
    return default()


LANDED_LEVELS = sorted({i.level for i in default().items})


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_general_totals(cat, level):
    if level not in LANDED_LEVELS:
        pytest.fail(f"level {level} is not in the catalogue")
    assert len(query.select(cat, level=level, part="general")) == GENERAL_TOTALS[level]


@pytest.mark.parametrize("part", ["cloud", "mobile", "iot", "ics"])
def test_extension_totals(cat, part):
    got = {lv: len(query.select(cat, level=lv, part=part)) for lv in LANDED_LEVELS}
    assert got == {lv: EXTENSION_TOTALS[part][lv] for lv in LANDED_LEVELS}


def test_level_one_categories(cat):
    got = query.stats(cat)["by_category"]["1"]
    assert got == LEVEL1_CATEGORIES


@pytest.mark.parametrize("level", [2, 3, 4])
def test_control_points_and_counts_per_category(cat, level):
    items = query.select(cat, level=level, part="general")
    for category in CATEGORIES:
        got = {cp: n for (code, cp), n in query.control_point_counts(items).items() if code == category.code}
        assert got == CONTROL_POINTS[level][category.code], f"L{level} {category.code}"
    # the control points appear in the standard's order inside each category
    order = list(dict.fromkeys((i.category, i.control_point) for i in items))
    expected = [(c.code, cp) for c in CATEGORIES for cp in CONTROL_POINTS[level][c.code]]
    assert order == expected


def test_ids_unique_and_well_formed(cat):
    ids = [i.id for i in cat.items]
    assert len(ids) == len(set(ids))
    pattern = re.compile(r"^L([1-4])-([A-Z]{3})([1-5])-(\d{2})$")
    for item in cat.items:
        m = pattern.match(item.id)
        assert m, item.id
        assert int(m.group(1)) == item.level and m.group(2) == item.category


def test_every_item_has_objects_methods_and_a_correct_attribute(cat):
    for item in cat.items:
        assert item.objects and item.methods and item.requirement, item.id
        if item.part == "general":
            assert item.attribute == expected_attribute(item.category, item.control_point), item.id


def test_every_unit_of_every_level_and_part_has_steps_and_a_verdict(cat):
    seen = set()
    for item in cat.items:
        assert item.steps and item.verdict, item.id
        assert not verdict_problems(item.steps, item.verdict), item.id
        seen.add((item.level, item.part))
    parts = ("general", "cloud", "mobile", "iot", "ics")
    assert seen == {(lv, part) for lv in (1, 2, 3, 4) for part in parts}


def test_level_four_procedures_follow_the_level_four_requirement(cat):
    """Where level 4 asks more than level 3, its steps check the stricter demand."""
    by_id = cat.by_id
    for unit in ("L4-CNS1-11", "L4-ABS1-21", "L4-CES1-23"):  # 可信验证: every execution stage + 动态关联感知
        text = "".join(by_id[unit].steps)
        assert "所有执行环节" in text and "关键执行环节" not in text and "动态关联感知" in text, unit
    for unit in ("L4-CES1-24", "L4-CES1-25"):  # integrity by cryptography only, no plain checksums
        assert "校验技术" not in "".join(by_id[unit].steps), unit
    assert "数据库表级" in by_id["L4-CES1-10"].steps[0] and "字段级" not in by_id["L4-CES1-10"].steps[0]
    assert "第二道电子门禁" in "".join(by_id["L4-PES1-04"].steps)
    assert "硬件密码模块" in "".join(by_id["L4-CNS1-10"].steps)
    assert "资源池" in "".join(by_id["L4-CNS2-08"].steps)
    assert "主动免疫可信验证" in by_id["L4-CES1-22"].steps[0]
    # level 1 asks less than level 2: no automatic fire suppression, no audit records sent to a centre
    assert "自动" not in "".join(by_id["L1-PES1-04"].steps)
    assert "审计记录" not in "".join(by_id["L1-CES1-09"].steps)
    assert "区域之间" not in "".join(by_id["L1-ABS1-02"].steps)


def test_methods_match_the_steps(cat):
    """An item that lists 访谈 interviews someone in a step; one that lists 测试 tests something."""
    mismatched = []
    for item in cat.items:
        if not item.steps:
            continue
        text = "".join(item.steps)
        if "访谈" in item.methods and "访谈" not in text:
            mismatched.append(item.id)
    assert len(mismatched) <= len(cat.items) // 20, mismatched  # wording may vary, but not wholesale


def test_high_risk_cases_point_at_existing_units(cat):
    per_part = Counter(case.part for case in cat.high_risk)
    assert dict(per_part) == HIGH_RISK_PER_PART
    ids = [case.id for case in cat.high_risk]
    assert len(ids) == len(set(ids)) == 81
    covered = {(i.level, i.part) for i in cat.items}
    digits = {"1": "general", "2": "cloud", "3": "mobile", "4": "iot", "5": "ics"}
    checked = 0
    for case in cat.high_risk:
        assert case.units, case.id
        for unit in case.units:
            level, part = int(unit[1]), digits[unit.split("-")[1][3]]
            assert level >= case.min_level or case.id == "7.4.3.2", (
                f"{case.id}: {unit} is below the case's scope"
            )
            if (level, part) not in covered:
                continue  # that level/part of the catalogue has not landed; the loader checks it when it does
            assert unit in cat.by_id, f"{case.id} -> {unit}"
            item = cat.by_id[unit]
            assert item.category == case.category, f"{case.id} -> {unit}"
            if case.part == "general":
                assert item.control_point == case.control_point, f"{case.id} -> {unit}"
            checked += 1
    general_cases = [c for c in cat.high_risk if c.part == "general"]
    # every general case for levels 2-3 is tied to at least one item we carry
    assert all(any(u in cat.by_id for u in c.units) for c in general_cases if c.min_level <= 3)
    assert checked >= 42


# S/A/G: S-class control points at the S level, A-class at A, G-class at max(S, A).
L3_S = (
    2 + 3 + 4 + 7 + 2 + 2 + 2 + 2
)  # 电磁防护, 可信验证×3, 身份鉴别, 访问控制(CES), 完整性, 保密性, 剩余, 个人信息
L2_S = 1 + 3 + 3 + 4 + 1 + 0 + 1 + 2
L3_A = 3 + 3  # 电力供应, 数据备份恢复
L2_A = 2 + 2


@pytest.mark.parametrize(
    ("code", "expected"),
    [("S3A3", 211), ("S3A2", 211 - L3_A + L2_A), ("S2A3", 211 - L3_S + L2_S), ("S2A2", 135)],
)
def test_sag_selection_counts(cat, code, expected):
    assert len(query.for_grade(cat, code)) == expected


def test_sag_selection_takes_each_class_at_its_level(cat):
    items = query.for_grade(cat, "S3A2")
    levels: dict[tuple[str, str], set[int]] = {}
    for item in items:
        levels.setdefault((item.category, item.control_point), set()).add(item.level)
    assert levels[("PES", "电力供应")] == {2}
    assert levels[("CES", "数据备份恢复")] == {2}
    assert levels[("CES", "身份鉴别")] == {3}
    assert levels[("CES", "访问控制")] == {3}
    assert levels[("ABS", "访问控制")] == {3}  # G in 区域边界
    assert levels[("MMS", "配置管理")] == {3}
    assert all(len(v) == 1 for v in levels.values())  # one level per control point
    s2a3 = {(i.category, i.control_point): i.level for i in query.for_grade(cat, "S2A3")}
    assert (
        s2a3[("CES", "身份鉴别")] == 2 and s2a3[("PES", "电力供应")] == 3 and s2a3[("CNS", "网络架构")] == 3
    )
    assert ("CES", "数据保密性") not in s2a3  # level 2 has no 数据保密性


def test_level_diff_three_over_two(cat):
    diff = query.diff_levels(cat, 2, 3)
    assert len(diff.added) + len(diff.changed) + len(diff.same) == 211
    assert len(diff.removed) + len(diff.changed) + len(diff.same) == 135
    added_cps = {i.control_point for i in diff.added}
    assert {"数据保密性", "集中管控", "安全管理"} <= added_cps
    assert all(i.level == 3 for i in diff.added)
