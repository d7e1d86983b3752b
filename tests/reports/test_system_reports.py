"""One 测评报告 per 定级对象: the demo's combined HIS/EMR/LIS assessment gives each system a report of
its own objects, items, figures and grade (LIS is graded S3A2), each recomputable from its 附录D."""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from dengbao.accounts.models import User
from dengbao.core import scoring
from dengbao.core.catalogue import default as catalogue
from dengbao.reports.assessment_documents import make_assessment_report


@pytest.fixture
def demo_project(demo_db):
    return demo_db  # the demo, copied into this test (tests/conftest.py)


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
    his_rate = {r.cells[0].text: r.cells[1].text for r in his.tables[1].rows}["符合率"]
    lis_rate = {r.cells[0].text: r.cells[1].text for r in lis.tables[1].rows}["符合率"]
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
    summary = {r.cells[0].text: r.cells[1].text for r in document.tables[1].rows}
    assert summary["符合率"] == f"{score.compliance_rate:g}%"
    per_category = _chapter3(document)
    assert per_category == {c.name: f"{c.score:g}%" for c in score.categories}


def test_the_scan_section_names_tool_version_time_and_scope_or_the_waiver(demo_project):
    """HIS: the quarterly Nessus scan with its version and the time its file states (not the import
    time) and the authorised scope; LIS, never scanned: the recorded reason."""
    his, lis = _text(_report(demo_project, "HIS")), _text(_report(demo_project, "LIS"))
    assert "Tenable Nessus 10.6.4" in his
    assert "2024年3月5日 10:01 至 2024年3月5日 10:41" in his
    assert "10.20.1.0/24" in his and "2024Q1-院内主机扫描.nessus" in his
    assert "本轮未导入" not in his
    assert (
        "本轮未对实验室信息系统（LIS）开展漏洞扫描或渗透测试，理由：演示数据：LIS 服务器与检验仪器直连" in lis
    )
    assert lis.count("理由：演示数据：LIS 服务器与检验仪器直连") == 2  # 3.x and 附录E
    assert "Tenable Nessus" not in lis and "本轮测评未导入漏洞扫描" not in lis


def test_the_basic_information_table_and_the_agency_code_in_the_number(demo_project):
    document = _report(demo_project, "LIS")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "被测对象")
    rows = [[c.text for c in r.cells] for r in table.rows]
    by_label = {}
    for row in rows:
        by_label.setdefault(row[0], []).append(row)
    (filed,) = by_label["备案证明编号"]
    assert filed[1] == "演示-44010020001-20003"
    number = filed[3]
    assert re.fullmatch(r"演示-44010020001-20003-\d\d-0123-01", number)
    assert f"报告编号：{number}" in _text(document)  # the cover carries the same number
    assert by_label["机构代码"][0][1] == "0123" and by_label["单位名称"][0][1] == "江城市第一医院"
    client_contact, agency_contact = by_label["联系人"]
    assert "刘信息科" in client_contact[1] and "王项目" in agency_contact[1]
    assert agency_contact[3] == "020-00000001"
    (prepared,), (reviewed,), (approved,) = by_label["编制人"], by_label["审核人"], by_label["批准人"]
    assert prepared[1].startswith("李测评") and approved[1].startswith("王项目")
    assert prepared[3] == approved[3] != "—"  # the 初测 is finalised and approved
    assert (reviewed[3] == "—") == (reviewed[1] == "—")  # no review date without a reviewer


def test_the_report_has_a_table_of_contents_a_numbered_header_and_page_numbers(demo_project):
    from docx.oxml.ns import qn

    document = _report(demo_project, "LIS")
    body = document.element.body
    instructions = " ".join(t.text for t in body.iter(qn("w:instrText")))
    assert 'TOC \\o "1-2"' in instructions  # a real TOC field, which Word fills on opening
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    texts = [p.text for p in document.paragraphs]
    toc = texts.index("目  录")
    assert texts[toc + 1 : toc + 4] == [
        "等级测评结论",
        "总体评价",
        "主要安全问题及整改建议",
    ]  # shown until updated
    section = document.sections[0]
    number = next(t for t in _text(document).splitlines() if t.startswith("报告编号："))
    assert section.header.paragraphs[0].text == number  # every page after the cover carries it
    assert section.different_first_page_header_footer and not section.first_page_header.paragraphs[0].text
    footer = " ".join(t.text for t in section.footer._element.iter(qn("w:instrText")))
    assert "PAGE" in footer


def test_a_report_of_an_unfinished_round_is_marked_draft(demo_project):
    from dengbao.reports.bundle import make_bundle

    his = demo_project.systems.get(code="HIS")
    pm = User.objects.get(username="pm")
    draft = make_assessment_report(actor=pm, project=demo_project, system=his)  # the open 复测
    final = make_assessment_report(actor=pm, project=demo_project, system=his, round_number=1)
    assert draft.document.filename == "HIS-等级测评报告（草稿）.docx"
    assert final.document.filename == "HIS-等级测评报告.docx"
    draft_doc, final_doc = docx.Document(io.BytesIO(draft.content)), docx.Document(io.BytesIO(final.content))
    assert "草稿：本轮测评尚未定稿" in _text(draft_doc) and "草稿" not in _text(final_doc)
    assert draft_doc.sections[0].header.paragraphs[0].text.endswith("（草稿）")
    names = make_bundle(actor=pm, project=demo_project).files
    assert "HIS/HIS-等级测评报告（草稿）.docx" in names  # the bundle says so in the name too
