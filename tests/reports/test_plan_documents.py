"""差距分析问题列表 (Word), 安全整改方案 and 复测对比报告 from the demo's HIS/EMR/LIS assessment."""

from __future__ import annotations

import hashlib
import io
import re

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dengbao.accounts.models import User
from dengbao.assessments.problem_models import Problem
from dengbao.assessments.selectors import round_diff, round_score
from dengbao.core.documents import gap_list_doc, remediation_plan, retest_report
from dengbao.reports import plan_documents
from dengbao.reports.documents import DocumentNotReady
from dengbao.reports.models import DocumentKind, GeneratedDocument
from tests.core.test_plan_documents import all_text, table_after


@pytest.fixture
def demo_project(demo_db):
    return demo_db


@pytest.fixture
def assessment(demo_project):
    return demo_project.assessments.get(name__startswith="HIS")


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _opened(content: bytes):
    return docx.Document(io.BytesIO(content))


def _is_measure_table(table) -> bool:
    head = [c.text for c in table.rows[0].cells]
    return len(head) == 10 and head[5] == "优先级"


def _units_in_first_lines(cells: list[str]) -> list[str]:
    # L3 items, and the level-2 A items of LIS (S3A2) in the combined HIS/EMR/LIS assessment
    return [line.split()[0] for cell in cells for line in cell.split("\n") if re.match(r"L\d-", line)]


def test_gap_list_docx_holds_every_problem_of_the_current_round(demo_project, assessment):
    made = plan_documents.make_gap_list_docx(actor=_user("pm"), project=demo_project, assessment=assessment)
    document = _opened(made.content)
    current = assessment.rounds.get(number=2)
    expected = list(Problem.objects.filter(round=current).values_list("unit_id", flat=True))
    rows = table_after(document, "表4").rows[1:]
    listed = [row.cells[3].text.split()[0] for row in rows]
    assert sorted(listed) == sorted(expected) and len(listed) == len(expected) > 100
    risks = {r: Problem.objects.filter(round=current, risk=r).count() for r in ("高", "中", "低")}
    totals = {row.cells[0].text: row.cells[1].text for row in table_after(document, "表1").rows[1:]}
    assert totals == {
        "高风险": str(risks["高"]),
        "中风险": str(risks["中"]),
        "低风险": str(risks["低"]),
        "合计": str(len(expected)),
    }
    text = all_text(document)
    assert "{{" not in text and "{%" not in text
    assert "HIS/EMR/LIS 等级测评（演示）" in text and "第1次复测" in text

    stored = made.document
    assert stored.kind == DocumentKind.GAP_LIST_DOCX and stored.version == 1
    assert stored.sha256 == hashlib.sha256(made.content).hexdigest()
    assert stored.template_name == "gap-list.docx（内置）"
    assert stored.template_sha256 == hashlib.sha256(gap_list_doc.TEMPLATE.read_bytes()).hexdigest()
    assert stored.assessment == assessment and stored.round_number == 2
    assert stored.filename == "EMR-HIS-LIS-差距分析问题列表-第1次复测.docx"
    assert len(stored.data["rows"]) == len(expected) and stored.data["subject"]["round_label"] == "第1次复测"
    again = plan_documents.make_gap_list_docx(actor=_user("pm"), project=demo_project, assessment=assessment)
    assert again.document.version == 2
    assert GeneratedDocument.objects.filter(kind=DocumentKind.GAP_LIST_DOCX).count() == 2


def test_plan_lists_every_problem_with_the_task_of_its_unit(demo_project, assessment):
    made = plan_documents.make_remediation_plan(
        actor=_user("pm"), project=demo_project, assessment=assessment
    )
    document = _opened(made.content)
    current = assessment.rounds.get(number=2)
    expected = sorted(Problem.objects.filter(round=current).values_list("unit_id", flat=True))
    measure_tables = [t for t in document.tables if _is_measure_table(t)]
    item_cells = [row.cells[1].text for t in measure_tables for row in t.rows[1:]]
    assert sorted(_units_in_first_lines(item_cells)) == expected
    # the hospital's three open tasks were given on the 初测's problems; their units are still open
    hospital = _user("hospital")
    open_tasks = list(
        assessment.rounds.get(number=1)
        .problems.filter(tasks__status="todo")
        .values_list("unit_id", flat=True)
    )
    assert len(open_tasks) == 3
    rows = {
        _units_in_first_lines([row.cells[1].text])[0]: [c.text for c in row.cells]
        for t in measure_tables
        for row in t.rows[1:]
    }
    for unit in open_tasks:
        assert rows[unit][7] == str(hospital) and rows[unit][9] == "待整改"
        assert "落实措施：演示数据：按整改建议处理" in rows[unit][6]
    assert sum(r[7] == "待定" for r in rows.values()) == len(expected) - 3
    # the 复测 keeps the 初测's 重大风险隐患 (counted before remediation), fixed since
    assert "重大风险隐患 1 项（其中未整改 0 项）" in all_text(document)
    stored = made.document
    assert stored.kind == DocumentKind.REMEDIATION_PLAN and stored.version == 1
    assert stored.sha256 == hashlib.sha256(made.content).hexdigest()
    assert stored.template_name == "remediation-plan.docx（内置）"
    assert len(stored.data["items"]) == len(expected)


def test_plan_of_the_first_round_puts_its_major_risk_first(demo_project, assessment):
    assessment.rounds.filter(number=2).delete()
    first = assessment.rounds.get()
    major = first.major_risks.get()
    unit = major.problems.get().unit_id
    made = plan_documents.make_remediation_plan(
        actor=_user("pm"), project=demo_project, assessment=assessment
    )
    document = _opened(made.content)
    majors = table_after(document, "表3").rows
    assert majors[1].cells[1].text == major.title and majors[1].cells[3].text.startswith(unit)
    urgent = [
        row
        for t in document.tables
        if _is_measure_table(t)
        for row in t.rows[1:]
        if row.cells[5].text == "紧急"
    ]
    assert [_units_in_first_lines([r.cells[1].text])[0] for r in urgent] == [unit]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings.index("三、重大风险隐患") < headings.index("四、整改措施")
    assert made.document.round_number == 1


def test_retest_report_figures_are_the_scoring_engines(demo_project, assessment):
    pm = _user("pm")
    made = plan_documents.make_retest_report(actor=pm, project=demo_project, assessment=assessment)
    document = _opened(made.content)
    before, after = assessment.rounds.get(number=1), assessment.rounds.get(number=2)
    first, second = round_score(actor=pm, rnd=before), round_score(actor=pm, rnd=after)
    overall = {row.cells[0].text: (row.cells[1].text, row.cells[2].text) for row in document.tables[0].rows}
    assert overall["项目"] == ("初测", "第1次复测")
    assert overall["符合率"] == (f"{first.compliance_rate:g}%", f"{second.compliance_rate:g}%")
    assert overall["测评结论"] == (first.conclusion, second.conclusion)
    assert second.compliance_rate > first.compliance_rate
    assert made.document.data["before"]["compliance_rate"] == first.compliance_rate
    assert made.document.data["after"]["compliance_rate"] == second.compliance_rate
    categories = {row.cells[1].text: row.cells[3].text for row in table_after(document, "表2").rows[1:]}
    assert categories == {g.name: "—" if g.score is None else f"{g.score:g}%" for g in second.categories}
    changes = round_diff(actor=pm, before=before, after=after)
    listed = table_after(document, "表3").rows[1:]
    assert sorted(
        (r.cells[1].text, r.cells[2].text, r.cells[4].text, r.cells[5].text) for r in listed
    ) == sorted(changes)
    fixed = [r.cells[3].text.split()[0] for r in table_after(document, "表4").rows[1:]]
    verified = before.problems.filter(tasks__status="verified").values_list("unit_id", flat=True)
    assert sorted(fixed) == sorted(verified)
    assert len(document.inline_shapes) == 1  # the per-category chart
    text = all_text(document)
    assert "{{" not in text and "{%" not in text
    stored = made.document
    assert stored.kind == DocumentKind.RETEST_REPORT and stored.round_number == 2
    assert stored.note == "初测→第1次复测" and stored.template_name == "retest-report.docx（内置）"
    assert stored.template_sha256 == hashlib.sha256(retest_report.TEMPLATE.read_bytes()).hexdigest()


def test_retest_report_needs_two_rounds(demo_project, assessment):
    assessment.rounds.filter(number=2).delete()
    with pytest.raises(DocumentNotReady) as caught:
        plan_documents.make_retest_report(actor=_user("pm"), project=demo_project, assessment=assessment)
    assert "只有初测" in caught.value.messages[0]
    assert not GeneratedDocument.objects.filter(kind=DocumentKind.RETEST_REPORT).exists()


@pytest.mark.parametrize(
    "maker",
    [
        plan_documents.make_gap_list_docx,
        plan_documents.make_remediation_plan,
        plan_documents.make_retest_report,
    ],
)
def test_the_client_contact_cannot_generate(demo_project, assessment, maker):
    with pytest.raises(PermissionDenied):
        maker(actor=_user("hospital"), project=demo_project, assessment=assessment)
    assert not GeneratedDocument.objects.filter(assessment=assessment).exists()


def test_an_assessment_of_another_project_is_not_found(demo_project, assessment, world_a):
    with pytest.raises(Http404):
        plan_documents.make_gap_list_docx(
            actor=world_a.members["manager"], project=world_a.project, assessment=assessment
        )


def test_the_organisations_active_template_is_used(demo_project, assessment):
    from dengbao.reports import services
    from tests.conftest import make_user

    pm = _user("pm")
    admin = make_user(pm.organisation, platform_role="sysadmin", username="tpl-admin")
    source = docx.Document(str(remediation_plan.TEMPLATE))
    source.add_paragraph("江城安测整改方案模板 {{ subject.client }}")
    buffer = io.BytesIO()
    source.save(buffer)
    template = services.template_upload(
        actor=admin, kind="remediation_plan", filename="ours-plan.docx", content=buffer.getvalue()
    )
    assert template.problems == []
    services.template_activate(actor=admin, template=template, active=True)
    made = plan_documents.make_remediation_plan(actor=pm, project=demo_project, assessment=assessment)
    assert f"江城安测整改方案模板 {demo_project.client.name}" in all_text(_opened(made.content))
    assert (
        made.document.template_name == "ours-plan.docx" and made.document.template_sha256 == template.sha256
    )
