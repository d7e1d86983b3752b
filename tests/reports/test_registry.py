"""The document registry: every kind declared once, and a new kind is one module plus its template."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from django.utils.translation import gettext_lazy as _

from dengbao.audit.models import AuditEvent
from dengbao.core.documents import builder, make_templates
from dengbao.core.documents.kinds import TemplateKind
from dengbao.reports import documents
from dengbao.reports.documents import registry
from dengbao.reports.documents.base import ASSESSMENT, DocumentKind, Draft, ready
from dengbao.reports.models import DocumentJob, DocumentTemplate, GeneratedDocument
from tests.assessments.helpers import HARM3, graded


def test_every_kind_is_found_once_and_the_choices_are_the_registry():
    names = list(documents.kinds())
    assert names == [
        "grading_report", "filing_form", "assessment_report", "protection_plan", "gap_list_xlsx",
        "gap_list_docx", "remediation_plan", "retest_report", "scan_report", "inspection_record",
        "ticket_record", "monitoring_report", "bundle",
    ]  # fmt: skip
    assert [k for k, _label in GeneratedDocument._meta.get_field("kind").choices] == names
    assert (
        dict(GeneratedDocument._meta.get_field("kind").choices)["gap_list_docx"] == "差距分析问题列表（Word）"
    )
    template_keys = [k for k, _label in DocumentTemplate._meta.get_field("kind").choices]
    assert template_keys == list(documents.templates()) and len(template_keys) == 12
    # the background jobs: everything but the per-system grading documents and the Excel list
    assert set(documents.job_kinds()) == set(names) - {"grading_report", "filing_form", "gap_list_xlsx"}
    assert documents.kind("bundle").title == "项目全部交付文档（zip）"
    with pytest.raises(ValueError):
        documents.kind("annual_report")


def test_every_template_is_shipped_and_built_by_make_templates():
    from dengbao.core.documents.kinds import KINDS

    assert documents.templates() == KINDS  # each template belongs to exactly one kind, none is left over
    built = set(make_templates.BUILDERS)
    for key, spec in documents.templates().items():
        assert spec.default.is_file(), key
        assert spec.default.name in built, key
        assert builder.is_shipped(spec.default)


def _template_with_a_field(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("保护工作方案：{{ subject }}，共 {{ count }} 项")
    document.save(str(path))
    return path


def test_a_kind_declared_in_one_module_is_made_started_and_listed_everywhere(
    world_a, login, tmp_path, monkeypatch
):
    """What a new module declares is all the job, the page, the store and the choices need."""
    from dengbao.assessments.services import assessment_create

    template = _template_with_a_field(tmp_path / "plan.docx")

    def prepare(*, actor, project, assessment) -> Draft:
        rows = list(assessment.systems.values_list("name", flat=True))
        ready([] if rows else ["测评范围内的定级对象"])
        return Draft(
            data={"subject": assessment.name, "count": len(rows)},
            filename=f"保护工作方案-{assessment.pk}.docx",
            assessment=assessment,
            stored={"systems": rows},
        )

    def render(data, *, template=None) -> bytes:
        return builder.render_docx(template or spec.default, data)

    spec = TemplateKind(
        "protection_plan_test", "保护工作方案（测试）", template, lambda: {"subject": "示例", "count": 1}
    )
    new = DocumentKind(
        name="protection_plan_test",
        label=_("保护工作方案（测试）"),
        prepare=prepare,
        render=render,
        params=(ASSESSMENT,),
        templates=(spec,),
        order=75,
    )
    whole = DocumentKind(name="summary_test", label=_("年度小结（测试）"), prepare=prepare, render=render)
    found = _found()
    monkeypatch.setattr(registry, "kinds", lambda: {**found, new.name: new, whole.name: whole})

    manager = world_a.members["manager"]
    system = graded(world_a, "门诊系统", HARM3, HARM3)
    assessment = assessment_create(actor=manager, project=world_a.project, name="年度测评", systems=[system])
    client = login(manager)
    page = client.get(f"/projects/{world_a.project.slug}/documents/").content.decode()
    assert 'value="protection_plan_test"' in page  # offered with the other kinds that take an assessment
    assert 'value="summary_test"' in page and "生成年度小结（测试）" in page  # one of the whole project
    client.post(
        f"/projects/{world_a.project.slug}/documents/generate/",
        {"kind": "protection_plan_test", "assessment_id": assessment.pk},
    )
    job = DocumentJob.objects.get()
    assert job.status == "done", job.error
    stored = job.documents.get()
    assert stored.kind == "protection_plan_test" and stored.version == 1 and stored.assessment == assessment
    assert stored.get_kind_display() == "保护工作方案（测试）" and stored.data == {"systems": ["门诊系统"]}
    assert stored.template_name == "plan.docx" and stored.template_sha256
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(stored.file.read())).paragraphs)
    assert text == "保护工作方案：年度测评，共 1 项"
    assert AuditEvent.objects.filter(action="document.generate", object_id=str(stored.pk)).exists()
    # its template is one the template manager offers and the upload checks against its sample
    assert ("protection_plan_test", "保护工作方案（测试）") in documents.template_choices()
    assert (
        dict(DocumentTemplate._meta.get_field("kind").choices)["protection_plan_test"]
        == "保护工作方案（测试）"
    )


def _found():
    registry.kinds.cache_clear()
    return registry.kinds()


def test_cli_makes_any_kind_of_the_registry(world_a, tmp_path):
    from click.testing import CliRunner

    from dengbao.assessments.services import assessment_create
    from dengbao.cli import main

    manager = world_a.members["manager"]
    assessment_create(
        actor=manager,
        project=world_a.project,
        name="年度测评",
        systems=[graded(world_a, "门诊系统", HARM3, HARM3)],
    )
    runner = CliRunner()
    base = ["--project", world_a.project.slug, "--user", manager.username]
    listed = runner.invoke(main, ["report", "make", "--help"])
    assert listed.exit_code == 0 and "remediation_plan" in listed.output and "--assessment" in listed.output
    out = tmp_path / "gaps.docx"
    made = runner.invoke(
        main, ["report", "make", "gap_list_docx", "--assessment", "年度测评", *base, "-o", str(out)]
    )
    assert made.exit_code == 0, made.output
    stored = GeneratedDocument.objects.get(kind="gap_list_docx")
    assert out.read_bytes() == stored.file.read() and f"sha256={stored.sha256}" in made.output
    assert "差距分析问题列表" in "\n".join(p.text for p in docx.Document(out).paragraphs)
    unknown = runner.invoke(main, ["report", "make", "annual_report", *base, "-o", str(out)])
    assert unknown.exit_code == 2 and "annual_report" in unknown.output
    foreign = runner.invoke(
        main, ["report", "make", "scan_report", "--import", "999999", *base, "-o", str(out)]
    )
    assert foreign.exit_code == 1 and "请选择本项目的一次扫描结果导入" in foreign.output
