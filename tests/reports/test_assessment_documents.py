"""测评报告, the deliverable bundle, background jobs, preview and 签发, from the demo's records."""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile

import docx
import pytest
from click.testing import CliRunner

from dengbao.accounts.models import User
from dengbao.assessments.selectors import round_score, system_scope
from dengbao.cli import main
from dengbao.core.documents import assessment_report as ar
from dengbao.reports.models import DocumentJob


@pytest.fixture
def demo_project(demo_db):
    return demo_db


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_report_from_the_records(demo_project):
    from dengbao.reports.assessment_documents import make_assessment_report

    pm = _user("pm")
    his = demo_project.systems.get(code="HIS")
    assessment = his.assessments.get(name__startswith="HIS")
    rnd = assessment.rounds.get(number=1)
    made = make_assessment_report(actor=pm, project=demo_project, system=his, round_number=1)
    document = docx.Document(io.BytesIO(made.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(ar.CHAPTERS)
    text = _text(document)
    assert not re.search(r"\{\{|\{%|%\}|\}\}", text)

    scope = system_scope(assessment, his)  # the HIS part of the combined HIS/EMR/LIS assessment
    expected = round_score(actor=pm, rnd=rnd, scope=scope)
    summary = {r.cells[0].text: r.cells[1].text for r in document.tables[1].rows}
    assert summary["符合率"] == f"{expected.compliance_rate:g}%"
    assert document.tables[1].rows[-1].cells[-1].text == expected.conclusion
    majors = scope.major_risks(rnd.major_risks.all()).count()
    assert summary["重大风险隐患数量"].startswith(str(majors))

    chapter5 = next(t for t in document.tables if t.rows[0].cells[-1].text == "高风险判定及分析")
    listed = [r.cells[2].text.split()[0] for r in chapter5.rows[1:]]
    his_problems = scope.problems(rnd.problems.all())
    assert sorted(listed) == sorted(his_problems.values_list("unit_id", flat=True))
    assert his_problems.count() < rnd.problems.count()  # not the other systems' problems
    for problem in his_problems.exclude(case_status="none"):
        row = next(r for r in chapter5.rows[1:] if r.cells[1].text.startswith(problem.title))
        assert problem.high_risk_case in row.cells[5].text

    appendix_a = next(t for t in document.tables if t.rows[0].cells[-1].text == "说明")
    assert {r.cells[2].text for r in appendix_a.rows[1:]} == set(
        assessment.test_objects.filter(pk__in=scope.object_ids).values_list("name", flat=True)
    )
    result_rows = sum(len(t.rows) - 1 for t in document.tables if t.rows[0].cells[-1].text == "符合情况")
    assert result_rows == scope.results(rnd).count() < rnd.results.count()

    stored = made.document
    assert stored.kind == "assessment_report" and stored.round_number == 1 and stored.assessment == assessment
    assert stored.template_name == "assessment-report-2025.docx（内置）" and len(stored.template_sha256) == 64
    assert stored.data["conclusion"] == expected.conclusion
    assert stored.data["compliance_rate"] == expected.compliance_rate


def test_bundle_holds_exactly_the_deliverables(demo_project, login):
    client = login(_user("pm"))
    r = client.post("/projects/demo/documents/generate/", {"kind": "bundle"})
    job = DocumentJob.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/documents/jobs/{job.pk}/")
    assert job.status == "done" and job.done == job.total > 0
    archive = job.documents.get(kind="bundle")
    with zipfile.ZipFile(archive.file.path) as z:
        names = set(z.namelist())
        manifest = z.read("清单-SHA256.txt").decode()
    expected = {"差距分析问题列表.xlsx", "清单-SHA256.txt"}
    in_retest = {"HIS", "EMR", "LIS"}  # their 复测 is open: the report of that round is a draft
    for system in demo_project.systems.all():  # the six systems of the contract, each assessed
        report = "等级测评报告（草稿）" if system.code in in_retest else "等级测评报告"
        expected |= {f"{system.code}/{system.code}-{kind}.docx" for kind in ("定级报告", "备案表", report)}
        if system.code in in_retest | {"IH"}:  # level 3: the 保护工作方案 (of the finalised 初测)
            expected.add(f"{system.code}/{system.code}-保护工作方案.docx")
    assert names == expected and len(expected) == 6 * 3 + 4 + 2
    for name in expected - {"清单-SHA256.txt"}:
        assert name in manifest
    page = client.get(f"/projects/demo/documents/jobs/{job.pk}/").content.decode()
    assert "已完成" in page and "交付文档.zip" in page


def _unassessed_system(project):
    from dengbao.systems.services import system_create

    return system_create(actor=None, organisation=project.client, project=project, name="后勤系统", code="HQ")


def test_a_system_not_yet_assessed_is_listed_in_the_bundle(demo_project):
    from dengbao.reports.bundle import make_bundle

    _unassessed_system(demo_project)
    bundle = make_bundle(actor=_user("pm"), project=demo_project)
    assert "未生成-请补充.txt" in bundle.files
    assert any("后勤系统" in m and "定级结果" in m for m in bundle.missing)
    assert any("后勤系统" in m and "尚未建立包含该系统的测评" in m for m in bundle.missing)
    assert not any(name.startswith("HQ/") for name in bundle.files)


def test_a_failing_job_says_what_is_missing(demo_project, login):
    client = login(_user("pm"))
    hq = _unassessed_system(demo_project)
    client.post("/projects/demo/documents/generate/", {"kind": "assessment_report", "system_id": hq.pk})
    job = DocumentJob.objects.get()
    assert job.status == "failed"
    assert "后勤系统" in job.error and "尚未建立包含该系统的测评" in job.error
    page = client.get(f"/projects/demo/documents/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="failed"' in page and "尚未建立包含该系统的测评" in page


def test_the_client_cannot_generate_and_sees_no_working_papers(demo_project, login):
    client = login(_user("hospital"))
    assert client.post("/projects/demo/documents/generate/", {"kind": "bundle"}).status_code == 403
    assert not DocumentJob.objects.exists()


def test_signing_freezes_the_latest_report_of_a_finalised_round(demo_project, login):
    from dengbao.reports.assessment_documents import make_assessment_report

    pm, reviewer = _user("pm"), _user("reviewer")
    his = demo_project.systems.get(code="HIS")
    first = make_assessment_report(actor=pm, project=demo_project, system=his, round_number=1).document
    latest = make_assessment_report(actor=pm, project=demo_project, system=his, round_number=1).document
    assert latest.version == first.version + 1

    assessor = login(_user("assessor"))
    assert assessor.post(f"/projects/demo/documents/{latest.pk}/sign/").status_code == 403

    signer = login(reviewer)
    signer.post(f"/projects/demo/documents/{first.pk}/sign/")
    first.refresh_from_db()
    assert first.locked_at is None  # not the latest version
    signer.post(f"/projects/demo/documents/{latest.pk}/sign/")
    latest.refresh_from_db()
    assert latest.locked_by == reviewer and latest.locked_at is not None

    current = his.assessments.get(name__startswith="HIS").rounds.order_by("-number").first()
    if current.finalised_at is None:  # the demo's 复测 is still open: its report cannot be signed
        open_report = make_assessment_report(actor=pm, project=demo_project, system=his).document
        signer.post(f"/projects/demo/documents/{open_report.pk}/sign/")
        open_report.refresh_from_db()
        assert open_report.locked_at is None
    listing = signer.get("/projects/demo/documents/").content.decode()
    assert "已签发" in listing
    from dengbao.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="document.lock").count() == 1


def test_cli_report_commands(demo_project, tmp_path):
    runner = CliRunner()
    out = tmp_path / "his.docx"
    r = runner.invoke(main, ["report", "assessment", "--project", "demo", "--system", "HIS", "--user", "pm",
                             "-o", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert [p.text for p in docx.Document(out).paragraphs if p.style.name == "Heading 1"] == list(ar.CHAPTERS)
    gaps = tmp_path / "gaps.xlsx"
    r = runner.invoke(main, ["report", "gaps", "--project", "demo", "--user", "pm", "-o", str(gaps)])
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook

    sheet = load_workbook(gaps).active
    titles = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    current = [a.rounds.order_by("-number").first() for a in demo_project.assessments.all()]
    assert len(titles) == sum(rnd.problems.count() for rnd in current)
    _unassessed_system(demo_project)
    r = runner.invoke(main, ["report", "assessment", "--project", "demo", "--system", "HQ", "--user", "pm",
                             "-o", str(tmp_path / "hq.docx")])  # fmt: skip
    assert r.exit_code != 0 and "尚未建立包含该系统的测评" in r.output


def _libreoffice_or_skip() -> None:
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return
    if os.environ.get("CI"):
        pytest.fail("CI must install LibreOffice (libreoffice-writer-nogui): the PDF tests cannot run")
    pytest.skip("LibreOffice is not installed here (CI installs it)")


def test_every_word_document_converts_to_pdf_with_a_page_one(demo_project, login):
    from dengbao.core.documents import preview
    from dengbao.core.documents.builder import to_pdf
    from dengbao.reports import filing_documents as system_documents
    from dengbao.reports.assessment_documents import make_assessment_report

    _libreoffice_or_skip()
    pm = _user("pm")
    his = demo_project.systems.get(code="HIS")
    from dengbao.core.documents.report_samples import sample_scan_input
    from dengbao.core.documents.scan_report import render_scan_report
    from dengbao.reports import plan_documents

    assessment = his.assessments.get(name__startswith="HIS")
    report = make_assessment_report(actor=pm, project=demo_project, system=his, pdf=True).document
    word = {
        "定级报告": system_documents.make_grading_report(actor=pm, project=demo_project, system=his).content,
        "备案表": system_documents.make_filing_form(actor=pm, project=demo_project, system=his).content,
        "漏洞扫描报告": render_scan_report(sample_scan_input()),
    }
    for name, maker in (
        ("差距分析问题列表", plan_documents.make_gap_list_docx),
        ("安全整改方案", plan_documents.make_remediation_plan),
        ("复测对比报告", plan_documents.make_retest_report),
    ):
        word[name] = maker(actor=pm, project=demo_project, assessment=assessment).content
    for name, content in word.items():
        pdf = to_pdf(content)
        assert pdf.startswith(b"%PDF") and preview.page_count(pdf) >= 1, name
        assert not preview.is_blank(preview.page_png(pdf, 0)), name
    assert report.pdf  # --pdf kept the conversion with the version
    client = login(pm)
    page = client.get(f"/projects/demo/documents/{report.pk}/preview/").content.decode()
    assert "共" in page and f"/documents/{report.pk}/pages/1.png" in page
    png = client.get(f"/projects/demo/documents/{report.pk}/pages/1.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert not preview.is_blank(png.content)
    assert client.get(f"/projects/demo/documents/{report.pk}/pages/9999.png").status_code == 404


def test_an_organisations_report_template_is_checked_then_used(demo_project, login):
    from dengbao.accounts.models import Organisation
    from dengbao.core.documents.kinds import KINDS
    from dengbao.reports.models import DocumentTemplate
    from tests.conftest import make_user

    def modified(marker: str, name: str) -> io.BytesIO:
        document = docx.Document(str(KINDS["assessment_report"].default))
        document.add_paragraph(marker)
        buffer = io.BytesIO()
        document.save(buffer)
        buffer.seek(0)
        buffer.name = name
        return buffer

    provider = Organisation.objects.get(name="江城安测信息安全技术有限公司")
    admin = login(make_user(provider, platform_role="sysadmin", username="tpl-admin"))
    broken = modified(
        "{{ conclusion.valeu }} {{ signatory }} {% for r in risks %}{{ r.severity }}{% endfor %}", "b.docx"
    )
    admin.post("/manage/templates/", {"kind": "assessment_report", "file": broken})
    rejected = DocumentTemplate.objects.get(filename="b.docx")
    assert rejected.problems == [
        "未知字段：conclusion.valeu",
        "未知字段：risks[].severity",
        "未知字段：signatory",
    ]
    admin.post(f"/manage/templates/{rejected.pk}/activate/", {"active": "1"})
    rejected.refresh_from_db()
    assert not rejected.active

    admin.post(
        "/manage/templates/", {"kind": "assessment_report", "file": modified("本机构报告格式", "ours.docx")}
    )
    ours = DocumentTemplate.objects.get(filename="ours.docx")
    assert ours.problems == []
    admin.post(f"/manage/templates/{ours.pk}/activate/", {"active": "1"})

    from dengbao.reports.assessment_documents import make_assessment_report

    made = make_assessment_report(
        actor=_user("pm"), project=demo_project, system=demo_project.systems.get(code="HIS")
    )
    assert "本机构报告格式" in _text(docx.Document(io.BytesIO(made.content)))
    assert made.document.template_name == "ours.docx"


def test_plan_documents_from_the_documents_page(demo_project, login):
    client = login(_user("pm"))
    assessment = demo_project.assessments.get(name__startswith="HIS/EMR/LIS")
    page = client.get("/projects/demo/documents/").content.decode()
    assert "安全整改方案" in page and assessment.name in page
    for kind in ("gap_list_docx", "remediation_plan", "retest_report"):
        client.post("/projects/demo/documents/generate/", {"kind": kind, "assessment_id": assessment.pk})
    jobs = DocumentJob.objects.order_by("pk")
    assert [j.status for j in jobs] == ["done"] * 3, [j.error for j in jobs]
    made = [j.documents.get() for j in jobs]
    assert [d.kind for d in made] == ["gap_list_docx", "remediation_plan", "retest_report"]
    assert all(d.assessment == assessment for d in made)
    single = demo_project.assessments.get(name__startswith="OA")  # only an 初测: nothing to compare
    client.post("/projects/demo/documents/generate/", {"kind": "retest_report", "assessment_id": single.pk})
    failed = DocumentJob.objects.order_by("-pk").first()
    assert failed.status == "failed" and "复测" in failed.error


def test_vulnerabilities_of_the_assessed_systems_fill_appendix_e(demo_project):
    from pathlib import Path

    from dengbao.reports.assessment_documents import make_assessment_report
    from dengbao.scanning.finding_models import Finding
    from dengbao.scanning.import_services import import_scan

    pm = _user("pm")
    his, web = demo_project.systems.get(code="HIS"), demo_project.systems.get(code="WEB")
    samples = Path(__file__).parent.parent / "importers" / "samples"
    import_scan(
        actor=pm, project=demo_project, fmt="nessus", path=samples / "nessus_hospital.nessus", system=his
    )
    import_scan(actor=pm, project=demo_project, fmt="zap", path=samples / "zap_portal.xml", system=web)
    expected = Finding.objects.filter(system=his).exclude(state__in=["false_positive", "verified_fixed"])
    assert expected.exists()
    made = make_assessment_report(actor=pm, project=demo_project, system=his)
    document = docx.Document(io.BytesIO(made.content))
    appendix_e = next(
        t for t in document.tables if [c.text for c in t.rows[0].cells][:3] == ["主机", "端口", "漏洞名称"]
    )
    titles = [r.cells[2].text for r in appendix_e.rows[1:]]
    assert sorted(titles) == sorted(expected.values_list("title", flat=True))
    assert not Finding.objects.filter(system=web, title__in=titles).exclude(
        title__in=expected.values("title")
    )
    text = _text(document)
    assert f"漏洞扫描共发现 {expected.count()} 个安全漏洞" in text


def test_scan_report_of_an_import(demo_project, login, tmp_path):
    from pathlib import Path

    from dengbao.scanning.finding_models import Finding
    from dengbao.scanning.import_services import import_scan

    pm = _user("pm")
    samples = Path(__file__).parent.parent / "importers" / "samples"
    record = import_scan(
        actor=pm, project=demo_project, fmt="nessus", path=samples / "nessus_hospital.nessus"
    )
    client = login(pm)
    assert "生成漏洞扫描报告" in client.get("/projects/demo/documents/").content.decode()
    client.post("/projects/demo/documents/generate/", {"kind": "scan_report", "import_id": record.pk})
    job = DocumentJob.objects.get()
    assert job.status == "done", job.error
    stored = job.documents.get()
    present = Finding.objects.filter(last_import=record).exclude(state="false_positive")
    assert record.findings == 17 and present.count() == 16  # the sample repeats one finding
    assert stored.kind == "scan_report" and stored.data["findings"] == present.count()
    document = docx.Document(stored.file.path)
    details = [t for t in document.tables if t.rows[0].cells[-1].text == "整改建议"]
    shown = sorted(r.cells[2].text.split("\n")[0] for t in details for r in t.rows[1:])
    assert shown == sorted(present.values_list("title", flat=True))
    runner = CliRunner()
    out = tmp_path / "scan.docx"
    args = ["report", "scan", "--project", "demo", "--import", str(record.pk), "--user", "pm", "-o", str(out)]
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "漏洞扫描报告" in [p.text for p in docx.Document(out).paragraphs][:4]
