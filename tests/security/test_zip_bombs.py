"""Issue #13 finding 5: an xlsx zip bomb (≈530 KB expanding to 520 MB) is refused before it is opened.

Before the fix the objects import handed the file straight to openpyxl, which inflated the
sheet (server memory rose by 600 MB). Now ``core/ziplimits.check_zip`` reads the zip's
directory first and the user gets a validation message; openpyxl is never called. The
same guard stands in front of the checklist (Excel round-trip) import and of an
organisation's Word template.
"""

from __future__ import annotations

import io
import resource

import openpyxl
import pytest

from dengbao.core import checklist_xlsx
from dengbao.core.documents import kinds
from tests.assessments.helpers import HARM3, graded

from .zipbombs import docx_bomb, xlsx_bomb

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    return {"xlsx": xlsx_bomb(folder / "objects.xlsx"), "docx": docx_bomb(folder / "template.docx")}


@pytest.fixture
def opened(monkeypatch) -> list[object]:
    """Every call of openpyxl's load_workbook (the real one still runs)."""
    calls: list[object] = []
    real = openpyxl.load_workbook

    def recording(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", recording)
    monkeypatch.setattr(checklist_xlsx, "load_workbook", recording)
    return calls


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_an_xlsx_zip_bomb_posted_to_the_objects_import_is_refused_before_opening(
    world_a, login, bombs, opened
):
    his = graded(world_a, "HIS", HARM3, HARM3)
    from dengbao.assessments import services

    assessment = services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[his]
    )
    client = login(world_a.members["assessor"])
    upload = io.BytesIO(bombs["xlsx"].read_bytes())
    assert len(upload.getvalue()) < 700 * 1024
    upload.name = "objects.xlsx"
    before = _peak_rss_mb()
    page = client.post(
        f"/projects/proj-a/assessments/{assessment.pk}/objects/import/", {"file": upload}, follow=True
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "压缩比异常" in text or "解压后过大" in text, text[:2000]
    assert "压缩炸弹" in text
    assert opened == []  # refused before openpyxl saw it
    assert assessment.test_objects.count() == 0
    assert _peak_rss_mb() - before < 200  # the 520 MB sheet was never inflated


def test_an_xlsx_zip_bomb_is_refused_by_the_checklist_import(bombs, opened):
    with open(bombs["xlsx"], "rb") as stream, pytest.raises(checklist_xlsx.ChecklistError) as refused:
        checklist_xlsx.read_checklist(stream)
    assert "压缩炸弹" in refused.value.problems[0]
    assert opened == []


def test_a_docx_zip_bomb_template_is_refused_by_the_check(bombs):
    problems = kinds.check_template(bombs["docx"], "gap_list")
    assert len(problems) == 1 and problems[0].startswith("模板文件被拒绝：") and "压缩炸弹" in problems[0]
