"""Levels 1 and 4 carry test procedures: the checklist page and its Excel sheet show them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dengbao.assessments import services
from dengbao.core import checklist_xlsx as cx
from dengbao.core.catalogue import default as catalogue
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
