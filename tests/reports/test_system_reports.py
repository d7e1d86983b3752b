"""One 测评报告 per 定级对象: the demo's combined HIS/EMR/LIS assessment gives each system a report of
its own objects, items, figures and grade (LIS is graded S3A2), each recomputable from its 附录D."""

from __future__ import annotations

import io

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from dengbao import demo
from dengbao.accounts.models import Project, User
from dengbao.core import scoring
from dengbao.core.catalogue import default as catalogue
from dengbao.reports.assessment_documents import make_assessment_report


@pytest.fixture
def demo_project(db, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DENGBAO_DEMO_PASSWORD", "Demo-Pass-2026!")
    demo.load()
    return Project.objects.get(slug="demo")


def _report(project, code: str):
    system = project.systems.get(code=code)
    made = make_assessment_report(actor=User.objects.get(username="pm"), project=project, system=system,
                                  round_number=1)  # fmt: skip
    return docx.Document(io.BytesIO(made.content))


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _objects(document) -> set[str]:
    appendix_a = next(t for t in document.tables if t.rows[0].cells[-1].text == "说明")
    return {r.cells[2].text for r in appendix_a.rows[1:]}


def _appendix_d(document) -> list[scoring.ItemResult]:
    """Every result row of 附录D, under the object heading (D.n 名称（类型）) it follows."""
    rows, obj = [], None
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(block, document).text
            if text.startswith("D.") and "（" in text:
                obj = text
        elif tag == "tbl" and obj is not None:
            table = Table(block, document)
            if table.rows[0].cells[-1].text != "符合情况":
                continue
            for row in table.rows[1:]:
                cells = [c.text for c in row.cells]
                rows.append(scoring.ItemResult(unit=cells[1], obj=obj, result=scoring.Result(cells[4])))
    return rows


def _chapter3(document) -> dict[str, str]:
    """单项测评小结: 安全类 → 符合率."""
    table = next(
        t for t in document.tables if [c.text for c in t.rows[0].cells] == ["安全类", "适用测评项", "符合率"]
    )
    return {r.cells[0].text: r.cells[2].text for r in table.rows[1:]}


def test_each_system_has_a_report_of_its_own(demo_project):
    his, lis = _report(demo_project, "HIS"), _report(demo_project, "LIS")
    his_text, lis_text = _text(his), _text(lis)

    his_objects, lis_objects = _objects(his), _objects(lis)
    assert his_objects != lis_objects
    assert {"HIS数据库服务器", "HIS-Oracle"} <= his_objects and not {"LIS服务器", "LIS-MySQL"} & his_objects
    assert {"LIS服务器", "LIS-MySQL"} <= lis_objects and not {
        "HIS数据库服务器",
        "EMR-SQLServer",
    } & lis_objects
    assert {"核心交换机-1", "边界防火墙-1", "安全管理制度汇编"} <= his_objects & lis_objects  # shared

    assert "第三级（S3A2）" in lis_text and "S3A3" not in lis_text
    assert "第三级（S3A3）" in his_text and "S3A2" not in his_text
    his_rate = {r.cells[0].text: r.cells[1].text for r in his.tables[0].rows}["符合率"]
    lis_rate = {r.cells[0].text: r.cells[1].text for r in lis.tables[0].rows}["符合率"]
    assert his_rate != lis_rate

    # LIS (A2) is assessed against the level-2 A items, HIS against the level-3 ones
    lis_units = {r.unit for r in _appendix_d(lis)}
    his_units = {r.unit for r in _appendix_d(his)}
    assert "L2-PES1-14" in lis_units or any(u.startswith("L2-") for u in lis_units)
    assert not any(u.startswith("L2-") for u in his_units)
    a_items = {i.id for i in catalogue().items if i.attribute == "A" and i.part == "general" and i.level == 3}
    assert a_items & his_units and not a_items & lis_units

    # the scan findings were imported for HIS hosts only
    assert "MS17-010" in his_text and "MS17-010" not in lis_text


@pytest.mark.parametrize("code", ["HIS", "EMR", "LIS"])
def test_the_score_recomputed_from_appendix_d_is_chapter_3s(demo_project, code):
    document = _report(demo_project, code)
    score = scoring.score(_appendix_d(document), scheme="2025", catalogue=catalogue(), level=3)
    summary = {r.cells[0].text: r.cells[1].text for r in document.tables[0].rows}
    assert summary["符合率"] == f"{score.compliance_rate:g}%"
    per_category = _chapter3(document)
    assert per_category == {c.name: f"{c.score:g}%" for c in score.categories}
