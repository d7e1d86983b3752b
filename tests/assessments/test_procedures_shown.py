"""Levels 1 and 4 carry test procedures: the checklist page and its Excel sheet show them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dengbao.assessments import services
from dengbao.core import checklist_xlsx as cx
from dengbao.core.catalogue import default as catalogue
from dengbao.core.catalogue import query
from tests.assessments.helpers import graded

HARM4 = [{"object": "社会秩序、公共利益", "degree": "特别严重"}]
HARM1 = [{"object": "合法权益", "degree": "一般"}]


def _object(world, name, harm, tech=()):
    system = graded(world, name, harm, harm, tech)
    assessment = services.assessment_create(
        actor=world.members["manager"], project=world.project, name=name, systems=[system]
    )
    obj = services.object_add(
        actor=world.members["assessor"], assessment=assessment, kind="服务器/操作系统", name=f"{name}-OS"
    )
    return assessment, obj


@pytest.mark.parametrize(
    ("harm", "tech", "units"),
    [
        (HARM4, ("cloud",), ("L4-CES1-01", "L4-CES1-23")),
        (HARM1, (), ("L1-CES1-01", "L1-CES1-09")),
    ],
)
def test_level_one_and_four_objects_show_steps_and_verdicts(world_a, login, harm, tech, units):
    assessment, obj = _object(world_a, "SYS", harm, tech)
    have = set(obj.results.values_list("unit_id", flat=True))
    assert set(units) <= have
    cat = catalogue()
    if tech:  # and one unit of the extension the system uses
        units = (*units, min(u for u in have if cat.by_id[u].part == tech[0]))
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    page = client.get(f"{base}objects/{obj.pk}/").content.decode()
    for unit in units:
        item = cat.by_id[unit]
        assert item.steps[-1] in page and item.verdict in page, unit

    response = client.get(f"{base}excel/?object={obj.pk}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = {row[1].value: row[5].value for row in sheet.iter_rows(min_row=cx.HEADER_ROW + 1)}
    for unit in units:
        item = cat.by_id[unit]
        lines = cells[unit].split("\n")
        assert lines[: len(item.steps)] == [f"{n}) {s}" for n, s in enumerate(item.steps, 1)], unit
        assert lines[-1] == f"单元判定：{item.verdict}", unit


HARM5 = [{"object": "国家安全", "degree": "特别严重"}]


def test_a_level_five_object_gets_the_level_four_checklist_with_the_note(world_a, login):
    assessment, obj = _object(world_a, "L5SYS", HARM5)
    assert assessment.sa == "S5A5" and assessment.level == 5
    units = set(obj.results.values_list("unit_id", flat=True))
    expected = {i.id for i in query.for_grade(catalogue(), "S4A4") if "服务器/操作系统" in i.objects}
    assert units == expected and "L4-CES1-01" in units
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    for page in (client.get(base), client.get(f"{base}objects/{obj.pk}/")):
        body = page.content.decode()
        assert page.status_code == 200 and 'id="level5-note"' in body and "GA/T 2182-2024" in body
    response = client.get(f"{base}excel/?object={obj.pk}")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {row[1].value for row in sheet.iter_rows(min_row=cx.HEADER_ROW + 1)}
    assert rows == units


def test_a_level_four_assessment_shows_no_level_five_note(world_a, login):
    assessment, _obj = _object(world_a, "L4SYS", HARM4)
    page = login(world_a.members["assessor"]).get(f"/projects/proj-a/assessments/{assessment.pk}/")
    assert page.status_code == 200 and 'id="level5-note"' not in page.content.decode()


def test_catalogue_export_accepts_s5a5(world_a, login):
    r = login(world_a.members["assessor"]).get("/catalogue/export/", {"sa": "S5A5"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert "GA/T 2182-2024 未内置" in sheet["A1"].value
    ids = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert ids == [i.id for i in query.for_grade(catalogue(), "S4A4")]
