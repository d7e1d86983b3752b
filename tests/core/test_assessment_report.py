"""The 测评报告 from plain data: opened again and read back, chapter by chapter."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import docx
import pytest

from dengbao.core.catalogue import default as catalogue
from dengbao.core.documents import assessment_report as ar
from dengbao.core.documents import builder, bulk
from dengbao.core.documents.report_samples import sample_input


def _open(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


@pytest.fixture(scope="module")
def sample():
    data = sample_input()
    return data, _open(ar.render_assessment_report(data, catalogue()))


def test_chapters_in_order_and_no_tags_left(sample):
    _, document = sample
    assert _headings(document, 1) == list(ar.CHAPTERS)
    text = _all_text(document)
    assert not re.search(r"\{\{|\{%|%\}|\}\}", text)
    assert "DENGBAO-BLOCKS" not in text


def test_conclusion_and_rate_are_the_scoring_engines(sample):
    data, document = sample
    rows = {r.cells[0].text: r.cells[1].text for r in document.tables[1].rows}
    assert rows["符合率"] == f"{data.score.compliance_rate:g}%"
    conclusion_row = document.tables[1].rows[-1]
    assert conclusion_row.cells[-1].text == data.score.conclusion == "基本符合"
    assert rows["重大风险隐患数量"] == "1"
    # chapter 6 repeats the same table
    ch6 = [t for t in document.tables if t.rows[0].cells[0].text == "被测对象名称"]
    assert len(ch6) == 2 and ch6[1].rows[-1].cells[-1].text == data.score.conclusion


def test_every_problem_in_chapter_5_with_its_case(sample):
    data, document = sample
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "高风险判定及分析")
    body = [r.cells for r in table.rows[1:]]
    assert len(body) == len(data.problems)
    titles = {c[1].text.split("：")[0] for c in body}
    assert titles == {p.title for p in data.problems}
    high = next(c for c in body if c[1].text.startswith("演示问题 0"))
    assert "6.4.1.1" in high[5].text and "判定为高风险" in high[5].text


def test_every_object_in_appendix_a_and_its_results_in_appendix_d(sample):
    data, document = sample
    appendix_a = next(t for t in document.tables if [c.text for c in t.rows[0].cells][-1] == "说明")
    assert [r.cells[2].text for r in appendix_a.rows[1:]] == [o.name for o in data.objects]
    headings = [h for h in _headings(document, 2) if h.startswith("D.")]
    assert headings == [f"D.{n} {o.name}（{o.kind}）" for n, o in enumerate(data.objects, start=1)]
    result_tables = [t for t in document.tables if t.rows[0].cells[-1].text == "符合情况"]
    assert sum(len(t.rows) - 1 for t in result_tables) == len(data.results)
    first = result_tables[0].rows[1].cells
    expected = next(r for r in data.results if r.obj == data.objects[0].name)
    assert first[4].text in ("符合", "部分符合", "不符合", "不适用")
    assert {r.cells[1].text for r in result_tables[0].rows[1:]} == {
        r.unit for r in data.results if r.obj == data.objects[0].name
    }
    assert expected.unit in {r.cells[1].text for r in result_tables[0].rows[1:]}


def test_charts_are_pictures_in_the_document():
    content = ar.render_assessment_report(sample_input(), catalogue())
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        pictures = [n for n in z.namelist() if n.startswith("word/media/")]
    # one per 安全类 present, plus the summary bars and the result pie
    categories = len(sample_input().score.categories)
    assert len(pictures) == categories + 2


def test_result_notes_are_escaped_and_control_characters_dropped():
    data = sample_input()
    tricky = "<script>alert(1)</script> & 记录\x01\x0b完毕"
    results = [replace(r, note=tricky) if n == 0 else r for n, r in enumerate(data.results)]
    document = _open(
        ar.render_assessment_report(replace(data, results=results), catalogue(), charts_on=False)
    )
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "<script>alert(1)</script> & 记录完毕" in cells


def test_a_template_field_the_platform_lacks_is_named(tmp_path):
    from docx import Document

    bad = tmp_path / "bad.docx"
    d = Document()
    d.add_paragraph("{{ system.name }} {{ report_signatory }}")
    d.save(bad)
    with pytest.raises(builder.DocumentError, match="report_signatory"):
        ar.render_assessment_report(sample_input(), catalogue(), template=bad, charts_on=False)


def test_bulk_blocks_replace_only_their_paragraph(tmp_path):
    from docx import Document

    template = tmp_path / "t.docx"
    d = Document()
    d.add_paragraph("before {{ title }}")
    d.add_paragraph("{{ rows }}")
    d.add_paragraph("after")
    d.save(template)
    rows = ((str(n), f"行{n}") for n in range(2000))
    blocks = bulk.Blocks([bulk.Heading("表", 2), bulk.Table((("序号", 2.0), ("内容", 8.0)), rows)])
    document = _open(builder.render_docx(template, {"title": "标题", "rows": blocks}))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "before 标题" and texts[1] == "表" and texts[-1] == "after"
    table = document.tables[0]
    assert len(table.rows) == 2001 and table.rows[2000].cells[1].text == "行1999"
