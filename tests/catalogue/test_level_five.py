"""Level 5: GB/T 22239 has no level-5 items; S5/A5 selections take level 4's, with a visible note."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dengbao.cli import main
from dengbao.core.catalogue import default, query


@pytest.fixture(scope="module")
def cat():
    return default()


def _ids(items):
    return [i.id for i in items]


def test_s5a5_takes_the_level_four_items(cat):
    assert _ids(query.for_grade(cat, "S5A5", extensions=("cloud",))) == _ids(
        query.for_grade(cat, "S4A4", extensions=("cloud",))
    )
    assert query.Grade.parse("S5A5").beyond_catalogue and not query.Grade.parse("S4A4").beyond_catalogue


def test_a_mixed_level_five_grade_keeps_the_lower_class_at_its_level(cat):
    items = query.for_grade(cat, "S5A3")
    levels = {(i.category, i.control_point): i.level for i in items}
    assert levels[("CES", "身份鉴别")] == 4  # S at level 5 → level 4's items
    assert levels[("PES", "电力供应")] == 3  # A stays at 3
    assert levels[("MMS", "配置管理")] == 4  # G at max(S, A) = 5 → 4


def test_a_level_five_checklist_says_ga_t_2182_is_not_built_in(cat):
    items, title = query.checklist(cat, sa="S5A4")
    assert len(items) == len(query.for_grade(cat, "S4A4"))
    assert title.startswith("第5级（S5A4）") and "GA/T 2182-2024 未内置" in title
    _items, four = query.checklist(cat, sa="S4A4")
    assert "GA/T 2182" not in four


def test_grade_command_for_a_level_five_case():
    result = CliRunner().invoke(
        main, ["grade", "--business", "国家安全:特别严重", "--service", "国家安全:严重", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["level"], data["sa"]) == (5, "S5A4")
    assert len(data["notes"]) == 1 and "GA/T 2182-2024" in data["notes"][0]
    plain = CliRunner().invoke(
        main, ["grade", "--business", "国家安全:特别严重", "--service", "国家安全:一般"]
    )
    assert plain.exit_code == 0 and "第5级（S5A3）" in plain.output and "GA/T 2182-2024" in plain.output
