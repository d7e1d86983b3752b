"""Catalogue pages, API, CLI and the agency-wording import."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from click.testing import CliRunner

from dengbao.catalogue.models import UnitWording
from dengbao.cli import main
from dengbao.core.catalogue import default, query


def test_browse_filters_and_searches(world_a, login):
    client = login(world_a.members["assessor"])
    r = client.get("/catalogue/", {"level": "3", "category": "CES", "part": "general"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "L3-CES1-01" in body and "L3-PES1-01" not in body
    assert "共 34 项" in body
    r = client.get("/catalogue/", {"level": "3", "q": "双因素"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "<html" not in r.content.decode()  # htmx gets the results only
    expected = len(query.select(default(), level=3, text="双因素"))
    assert f"共 {expected} 项" in r.content.decode()


def test_unit_detail_and_unknown_unit(world_a, login):
    client = login(world_a.members["client"])
    r = client.get("/catalogue/L3-CES1-01/")
    assert r.status_code == 200
    body = r.content.decode()
    item = default().by_id["L3-CES1-01"]
    assert item.steps[0] in body and "身份鉴别" in body
    assert "L2-CES1-01" in body  # the same control point at level 2
    assert client.get("/catalogue/L9-XXX1-01/").status_code == 404


@pytest.mark.parametrize("unit", ["L1-PES1-04", "L4-CES1-23", "L4-CNS2-08", "L1-ABS5-03"])
def test_level_one_and_four_unit_pages_show_steps_and_verdict(world_a, login, unit):
    body = login(world_a.members["client"]).get(f"/catalogue/{unit}/").content.decode()
    item = default().by_id[unit]
    assert all(step in body for step in item.steps) and item.verdict in body
    assert "本级别未收录测评实施步骤" not in body


def test_compare_levels(world_a, login):
    client = login(world_a.members["assessor"])
    r = client.get("/catalogue/compare/", {"lower": 2, "higher": 3, "part": "general"})
    assert r.status_code == 200
    diff = query.diff_levels(default(), 2, 3)
    assert f"新增 {len(diff.added)} 项" in r.content.decode()
    assert (
        "较高级别须高于较低级别"
        in client.get("/catalogue/compare/", {"lower": 3, "higher": 2}).content.decode()
    )


def test_export_checklist_for_s3a2_opens_in_excel_layout(world_a, login):
    client = login(world_a.members["assessor"])
    r = client.get("/catalogue/export/", {"sa": "S3A2"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in sheet[3]]
    assert header == [
        "序号",
        "测评单元编号",
        "安全类",
        "控制点",
        "测评指标",
        "测评对象",
        "测评实施",
        "结果记录",
        "符合情况",
        "分值",
    ]
    ids = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert ids == [i.id for i in query.for_grade(default(), "S3A2")]
    assert "L2-PES1-" in " ".join(i for i in ids if "PES" in i)  # 电力供应 (A) taken at level 2
    bad = client.get("/catalogue/export/", {"sa": "S9A1"})
    assert bad.status_code == 200 and "格式应为" in bad.content.decode()


def _csv(rows: list[list[str]]) -> io.BytesIO:
    text = "\n".join(",".join(f'"{c}"' for c in row) for row in rows)
    data = io.BytesIO(("\ufeff" + text).encode())
    data.name = "wording.csv"
    return data


def test_wording_import_all_or_nothing(world_a, platform_users, login):
    admin = platform_users["sysadmin"]
    client = login(admin)
    bad = _csv(
        [
            ["测评单元编号", "测评指标", "测评实施"],
            ["L3-CES1-01", "机构原文一", "1) 步骤一\n2) 步骤二"],
            ["L3-NOPE1-01", "x", "y"],
            ["L3-CES1-01", "重复", "z"],
        ]
    )
    r = client.post("/catalogue/wording/", {"file": bad})
    body = r.content.decode()
    assert "第 3 行：未知的测评单元编号 L3-NOPE1-01" in body
    assert "第 4 行：L3-CES1-01 与第 2 行重复" in body
    assert UnitWording.objects.count() == 0  # nothing half-imported

    good = _csv(
        [["测评单元编号", "测评指标", "测评实施"], ["L3-CES1-01", "机构原文一", "1) 步骤一\n2) 步骤二"]]
    )
    assert client.post("/catalogue/wording/", {"file": good}).status_code == 302
    own = UnitWording.objects.get()
    assert own.organisation_id == admin.organisation_id and own.steps == ["步骤一", "步骤二"]
    # colleagues of the same organisation see it; the detail page shows both wordings
    page = login(world_a.members["assessor"]).get("/catalogue/L3-CES1-01/").content.decode()
    assert "机构原文一" in page and "步骤二" in page


def test_wording_import_refused_for_others(world_a, login):
    client = login(world_a.members["manager"])
    assert client.get("/catalogue/wording/").status_code == 403


def test_api_items_and_stats(world_a, login):
    client = login(world_a.members["assessor"])
    stats = client.get("/api/catalogue/stats").json()
    assert stats["general"]["3"] == 211
    items = client.get("/api/catalogue/items", {"sa": "S3A2"}).json()
    assert len(items) == len(query.for_grade(default(), "S3A2"))
    one = client.get("/api/catalogue/items/L3-CES1-01").json()
    assert one["control_point"] == "身份鉴别" and one["steps"]
    assert client.get("/api/catalogue/items/L3-XXX1-99").status_code == 404
    assert client.get("/api/catalogue/items", {"sa": "bogus"}).status_code == 422


def test_cli_stats_show_and_export(tmp_path, db):
    runner = CliRunner()
    result = runner.invoke(main, ["catalogue", "stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["general"]["2"] == 135 and data["general"]["3"] == 211
    assert set(data["extensions"]) == {"cloud", "mobile", "iot", "ics"}
    assert sum(data["by_category"]["3"].values()) == 211
    shown = runner.invoke(main, ["catalogue", "show", "L3-CES1-01"])
    assert shown.exit_code == 0 and "身份鉴别" in shown.output
    assert runner.invoke(main, ["catalogue", "show", "L3-NOPE1-01"]).exit_code != 0
    out = tmp_path / "l3.xlsx"
    result = runner.invoke(main, ["catalogue", "export", "--level", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row - 3 == 211
    mismatch = runner.invoke(main, ["catalogue", "export", "--level", "2", "--sa", "S3A2", "-o", str(out)])
    assert mismatch.exit_code == 2 and "不一致" in mismatch.output


def test_units_a_collection_rule_decides_are_marked(world_a, login):
    from dengbao.core.collect.ruleset import load_rules
    from dengbao.core.collect.stats import coverage

    decided = set(coverage(load_rules())["units"]["L3"])
    assert "L3-CES1-01" in decided and "L3-PES1-01" not in decided  # a configuration shows no machine room
    client = login(world_a.members["assessor"])
    body = client.get("/catalogue/", {"level": "3", "category": "CES", "part": "general"}).content.decode()
    rows = {
        row.split('">', 1)[1].split("<", 1)[0]: row for row in body.split('<td class="mono"><a href=')[1:]
    }
    marked = {unit for unit, row in rows.items() if "可自动采集" in row.split("</td>", 1)[0]}
    assert marked == {unit for unit in rows if unit in decided} and marked  # exactly the decided ones
    detail = client.get("/catalogue/L3-CES1-01/").content.decode()
    rule = next(r for r in load_rules() if "L3-CES1-01" in r.units.get("L3", ()))
    assert 'id="collection-rules"' in detail and rule.id in detail and rule.title in detail
    assert 'id="collection-rules"' not in client.get("/catalogue/L3-PES1-01/").content.decode()
