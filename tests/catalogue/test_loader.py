"""Validation of catalogue files: every problem names file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dengbao.core.catalogue import CatalogueError, load
from dengbao.core.catalogue.loader import DATA_DIR

GOOD_ITEM = """\
  - id: L3-CES1-01
    category: CES
    control_point: 身份鉴别
    attribute: S
    letter: a
    requirement: 登录用户须经标识与鉴别。
    objects: [服务器/操作系统]
    methods: [核查]
    steps: [查看登录是否需要鉴别]
    verdict: 肯定则符合，否则不符合。
"""


def _folder(tmp_path: Path, name: str, body: str) -> Path:
    shutil.copy(DATA_DIR / "catalogue.yaml", tmp_path / "catalogue.yaml")
    (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


def test_a_good_file_loads(tmp_path):
    cat = load(_folder(tmp_path, "l3-general.yaml", "level: 3\npart: general\nitems:\n" + GOOD_ITEM))
    assert [i.id for i in cat.items] == ["L3-CES1-01"]
    assert cat.items[0].source == "l3-general.yaml:4"


def test_malformed_items_are_reported_with_file_line_and_field(tmp_path):
    body = (
        "level: 3\npart: general\nitems:\n"
        + GOOD_ITEM
        + """\
  - id: L3-CES1-03
    category: CES
    control_point: 身份鉴别
    attribute: G
    letter: c
    requirement: ""
    objects: [服务器]
    methods: [猜测]
    verdict: x
    colour: red
"""
    )
    with pytest.raises(CatalogueError) as err:
        load(_folder(tmp_path, "l3-general.yaml", body))
    messages = {str(p) for p in err.value.problems}
    assert "l3-general.yaml:14: id: L3-CES1-03 out of sequence: expected number 02" in messages
    assert "l3-general.yaml:14: attribute: 身份鉴别 is S in GB/T 22239 附录A, not G" in messages
    assert "l3-general.yaml:14: letter: expected 'b' as the next item of 身份鉴别" in messages
    assert "l3-general.yaml:14: requirement: is required" in messages
    assert "l3-general.yaml:14: objects: unknown value '服务器'" in messages
    assert "l3-general.yaml:14: methods: unknown value '猜测'" in messages
    assert "l3-general.yaml:14: steps: is required (a non-empty list)" in messages
    assert "l3-general.yaml:14: colour: unknown field" in messages


def test_wrong_level_and_part_and_duplicate_ids(tmp_path):
    _folder(tmp_path, "l3-general.yaml", "level: 2\npart: cloud\nitems:\n" + GOOD_ITEM)
    (tmp_path / "l3-general-extra.yaml").write_text(
        "level: 3\npart: general\nitems:\n" + GOOD_ITEM, encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as err:
        load(tmp_path)
    text = str(err.value)
    assert "l3-general.yaml:1: level: must be 3 (from the file name)" in text
    assert "l3-general.yaml:1: part: must be 'general' (from the file name)" in text
    assert "l3-general.yaml:4: id: L3-CES1-01 is also defined at l3-general-extra.yaml:4" in text


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(CatalogueError) as err:
        load(_folder(tmp_path, "l3-general.yaml", "level: 3\npart: general\nitems:\n  - id: [unclosed\n"))
    problem = err.value.problems[0]
    assert problem.file == "l3-general.yaml" and problem.field == "(yaml)" and problem.line >= 4


def test_high_risk_case_pointing_nowhere_is_refused(tmp_path):
    _folder(tmp_path, "l3-general.yaml", "level: 3\npart: general\nitems:\n" + GOOD_ITEM)
    (tmp_path / "high-risk-2025.yaml").write_text(
        """cases:
  - id: "6.4.1.1"
    title: 弱口令
    part: general
    category: CES
    control_point: 身份鉴别
    units: [L3-CES1-01, L3-CES1-09, CES1-01]
    scope: 第二级及以上
    min_level: 2
    problem: 存在弱口令
""",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as err:
        load(tmp_path)
    text = str(err.value)
    assert "high-risk-2025.yaml:2: units: L3-CES1-09 matches no catalogue item" in text
    assert "high-risk-2025.yaml:2: units: 'CES1-01' is not a unit ID of the form L3-CES1-01" in text


def test_diff_two_catalogue_versions(tmp_path):
    from dengbao.core.catalogue import query

    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    second = GOOD_ITEM.replace("L3-CES1-01", "L3-CES1-02").replace("letter: a", "letter: b")
    third = GOOD_ITEM.replace("L3-CES1-01", "L3-CES1-03").replace("letter: a", "letter: c")
    old = load(_folder(old_dir, "l3-general.yaml", "level: 3\npart: general\nitems:\n" + GOOD_ITEM + second))
    changed_second = second.replace("登录用户须经标识与鉴别。", "登录用户须经标识与鉴别，并定期更换口令。")
    new = load(
        _folder(
            new_dir,
            "l3-general.yaml",
            "level: 3\npart: general\nitems:\n" + GOOD_ITEM + changed_second + third,
        )
    )
    diff = query.diff_versions(old, new)
    assert [i.id for i in diff.added] == ["L3-CES1-03"]
    assert [(a.id, fields) for a, _b, fields in diff.changed] == [("L3-CES1-02", ("requirement",))]
    assert diff.removed == []
    back = query.diff_versions(new, old)
    assert [i.id for i in back.removed] == ["L3-CES1-03"]


def test_fast_parse_equals_the_line_keeping_parse():
    """The fast path finds item lines by a text scan; it must agree with the YAML marks exactly."""
    from dengbao.core.catalogue.loader import parse

    assert parse() == parse(lines=True)


@pytest.mark.parametrize("level", [1, 4])
def test_levels_one_and_four_also_need_steps_and_a_verdict(tmp_path, level):
    item = GOOD_ITEM.replace("L3-", f"L{level}-").replace(
        "    steps: [查看登录是否需要鉴别]\n    verdict: 肯定则符合，否则不符合。\n", ""
    )
    name = f"l{level}-general.yaml"
    with pytest.raises(CatalogueError) as err:
        load(_folder(tmp_path, name, f"level: {level}\npart: general\nitems:\n" + item))
    messages = {str(p) for p in err.value.problems}
    assert f"{name}:4: steps: is required (a non-empty list)" in messages
    assert f"{name}:4: verdict: is required" in messages


@pytest.mark.parametrize(
    ("steps", "verdict", "problem"),
    [
        ("[甲, 乙, 丙]", "1）、2）均肯定为符合，否则为不符合或部分符合。", "must name the steps that decide"),
        ("[甲, 乙]", "1）至3）均肯定为符合，否则为不符合或部分符合。", "cites a step beyond the 2 step(s)"),
        ("[甲, 乙]", "1）、2）均肯定为符合，否则为不符合。", "a unit of several steps must allow 部分符合"),
        ("[甲, 乙]", "两步均肯定即可。", "must say when the unit is 符合 and when 不符合"),
        ("['1) 甲', 乙]", "1）、2）均肯定为符合，否则为不符合或部分符合。", "step 1 carries its own number"),
    ],
)
def test_a_verdict_must_name_its_steps(tmp_path, steps, verdict, problem):
    item = GOOD_ITEM.replace("[查看登录是否需要鉴别]", steps).replace("肯定则符合，否则不符合。", verdict)
    with pytest.raises(CatalogueError) as err:
        load(_folder(tmp_path, "l3-general.yaml", "level: 3\npart: general\nitems:\n" + item))
    assert any(problem in str(p) and ":4: verdict:" in str(p) for p in err.value.problems), err.value


def test_an_any_of_verdict_needs_no_partial_result(tmp_path):
    item = GOOD_ITEM.replace("[查看登录是否需要鉴别]", "[甲, 乙]").replace(
        "肯定则符合，否则不符合。", "1）、2）中任一步肯定即为符合，否则为不符合。"
    )
    cat = load(_folder(tmp_path, "l3-general.yaml", "level: 3\npart: general\nitems:\n" + item))
    assert cat.items[0].verdict.startswith("1）、2）中任一步")
