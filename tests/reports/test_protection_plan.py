"""保护工作方案 of the demo's level-3 systems, re-opened with python-docx and checked against the
records: assets per type, the problems (units short of 符合), the plan's tasks in date order; the
level-2 systems are refused; the bundle holds the plan of every level-3 system."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

import docx
import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError
from django.db.models import Q

from dengbao.accounts.models import User
from dengbao.assessments.models import ResultRecord
from dengbao.assessments.remediation_models import RemediationTask
from dengbao.assessments.selectors import system_scope
from dengbao.cli import main
from dengbao.core.documents.common import cn_date
from dengbao.core.documents.protection_plan_template import PROBLEM_HEADS
from dengbao.core.protection_plan import NotRequired
from dengbao.reports import generation
from dengbao.reports.bundle import make_bundle
from dengbao.reports.documents import document_make
from tests.core.test_plan_documents import all_text, assert_no_tags, rows_of, table_after

LEVEL_3 = ("HIS", "EMR", "LIS", "IH")


def make_protection_plan(*, actor, project, system):
    return document_make(actor=actor, project=project, kind="protection_plan", system=system)


def report_make(*args: str) -> list[str]:
    return ["report", "make", "protection_plan", "--project", "demo", "--user", "pm", *args]


CHAPTERS = [
    "一、系统概况",
    "二、资产及其重要程度",
    "三、现有安全保护措施",
    "四、存在的问题及原因分析",
    "五、整改思路",
    "六、整改计划",
    "七、保障措施",
]
RISK_RANK = {"高": 0, "中": 1, "低": 2}


def _pm() -> User:
    return User.objects.get(username="pm")


def _tables_headed(doc, heads) -> list:
    return [t for t in doc.tables if tuple(c.text for c in t.rows[0].cells) == tuple(heads)]


def _source(system):
    """The assessment the plan must use: the demo's systems are each in one, with a finalised 初测."""
    assessment = system.assessments.get()
    return assessment, assessment.rounds.filter(finalised_at__isnull=False).order_by("-number").first()


def _objects(assessment, system):
    return assessment.test_objects.filter(Q(systems=system) | Q(systems=None)).distinct()


def _short_units(assessment, rnd, system) -> list[str]:
    """Units of the system's grade whose results over its objects are not all 符合 (不适用 left out)."""
    scope = system_scope(assessment, system)
    seen: dict[str, set[str]] = {}
    for unit, result in ResultRecord.objects.filter(
        round=rnd, obj__in=_objects(assessment, system), unit_id__in=scope.units
    ).values_list("unit_id", "result"):
        if result not in ("", "不适用"):
            seen.setdefault(unit, set()).add(result)
    return sorted(u for u, results in seen.items() if results != {"符合"})


@pytest.mark.parametrize("code", LEVEL_3)
def test_plan_of_each_level_3_system_holds_its_records(demo_db, code):
    project = demo_db
    system = project.systems.get(code=code)
    assessment, rnd = _source(system)
    made = make_protection_plan(actor=_pm(), project=project, system=system)
    doc = docx.Document(io.BytesIO(made.content))
    assert_no_tags(doc)
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == CHAPTERS
    assert made.document.kind == "protection_plan" and made.document.system == system
    assert made.document.round_number == rnd.number and made.document.filename == f"{code}-保护工作方案.docx"
    assert "草稿" not in doc.sections[0].header.paragraphs[0].text

    # 二 assets: every object of the system (own and shared) counted under its type
    expected = Counter(_objects(assessment, system).values_list("kind", flat=True))
    summary = rows_of(table_after(doc, "表2"))
    assert {r[1]: int(r[2]) for r in summary[1:-1]} == dict(expected)
    assert summary[-1][2] == str(sum(expected.values())) and sum(expected.values()) >= 8
    listed = [r[1] for r in rows_of(table_after(doc, "表3"))[1:]]
    assert sorted(listed) == sorted(_objects(assessment, system).values_list("name", flat=True))

    # 三 measures: the 符合 items of each 安全类 add up to the units found all 符合
    measures = rows_of(table_after(doc, "表4"))[1:]
    short = _short_units(assessment, rnd, system)
    conform, partial, fail = (sum(int(r[k]) for r in measures) for k in (2, 3, 4))
    assert partial + fail == len(short)
    assert conform > 0 and {r[1] for r in measures} >= {"安全计算环境", "安全管理制度"}

    # 四 problems: exactly the units short of 符合, each with a cause
    rows = [r for t in _tables_headed(doc, PROBLEM_HEADS) for r in rows_of(t)[1:]]
    assert sorted(r[1] for r in rows) == short and len(short) > 20
    assert all(r[3] in ("部分符合", "不符合") and r[7] for r in rows)
    text = all_text(doc)
    assert f"存在安全问题 {len(short)} 项" in text

    # 六 plan: the tasks given out for the system's problems, by due date
    plan = _tables_headed(doc, ("序号", "整改任务", "责任人", "完成期限", "状态"))[0]
    scope = system_scope(assessment, system)
    tasks = sorted(
        RemediationTask.objects.filter(
            problem__round__assessment=assessment,
            problem__unit_id__in=scope.units,
            problem__test_objects__in=_objects(assessment, system),
        )
        .distinct()
        .select_related("problem"),
        key=lambda t: (t.due_date, RISK_RANK[t.problem.risk], t.problem.unit_id),
    )
    planned = [(r[1].split()[0], r[3]) for r in rows_of(plan)[1:] if r[1] != "尚未分配整改任务"]
    assert planned == [(t.problem.unit_id, cn_date(t.due_date)) for t in tasks]
    if tasks:
        assert f"整改任务共 {len(tasks)} 项" in text


def test_the_demo_plans_list_the_remediation_tasks(demo_db):
    """At least one level-3 system of the demo has tasks in its plan (the test above is not vacuous)."""
    project = demo_db
    rows = 0
    for code in LEVEL_3:
        made = make_protection_plan(actor=_pm(), project=project, system=project.systems.get(code=code))
        plan = _tables_headed(
            docx.Document(io.BytesIO(made.content)), ("序号", "整改任务", "责任人", "完成期限", "状态")
        )
        rows += sum(re.match(r"L\d-", r[1]) is not None for r in rows_of(plan[0])[1:])
    assert rows >= 3


def test_a_level_2_system_is_refused(demo_db):
    project = demo_db
    oa = project.systems.get(code="OA")
    with pytest.raises(NotRequired, match=r"第三级及以上.*第二级"):
        make_protection_plan(actor=_pm(), project=project, system=oa)
    with pytest.raises(ValidationError, match="第三级及以上"):
        generation.job_start(
            actor=_pm(), project=project, kind="protection_plan", params={"system_id": oa.pk}
        )
    assert not project.documents.filter(kind="protection_plan").exists()
    result = CliRunner().invoke(
        main,
        [
            "report",
            "make",
            "protection_plan",
            "--project",
            "demo",
            "--system",
            "OA",
            "--user",
            "pm",
            "-o",
            "x.docx",
        ],
    )
    assert result.exit_code != 0 and "第三级及以上" in result.output


def test_job_and_cli_make_the_plan(demo_db, tmp_path):
    project = demo_db
    his = project.systems.get(code="HIS")
    job = generation.job_start(
        actor=_pm(), project=project, kind="protection_plan", params={"system_id": his.pk}
    )
    assert job.status == "done", job.error
    assert [d.filename for d in job.documents.all()] == ["HIS-保护工作方案.docx"]
    out = tmp_path / "ih.docx"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "make",
            "protection_plan",
            "--project",
            "demo",
            "--system",
            "IH",
            "--user",
            "pm",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert docx.Document(str(out)).paragraphs[1].text == "互联网医院"


def test_a_plan_from_an_unfinished_round_is_marked_draft(demo_db):
    project = demo_db
    ih = project.systems.get(code="IH")
    ih.assessments.get().rounds.update(finalised_at=None)
    made = make_protection_plan(actor=_pm(), project=project, system=ih)
    doc = docx.Document(io.BytesIO(made.content))
    assert made.document.filename == "IH-保护工作方案（草稿）.docx"
    assert doc.sections[0].header.paragraphs[0].text.endswith("（草稿）")
    assert "草稿：所依据的等级测评结果尚未定稿" in all_text(doc)


def test_the_bundle_holds_the_plan_of_every_level_3_system(demo_db):
    bundle = make_bundle(actor=_pm(), project=demo_db)
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    plans = sorted(n for n in names if "保护工作方案" in n)
    assert plans == sorted(f"{c}/{c}-保护工作方案.docx" for c in LEVEL_3)
    assert not any(n.startswith(("OA/", "WEB/")) and "保护工作方案" in n for n in names)
    assert not any("保护工作方案" in m for m in bundle.missing)


def test_system_page_and_documents_page_offer_the_plan_to_level_3_only(demo_db, login):
    client = login(_pm())
    ih, oa = demo_db.systems.get(code="IH"), demo_db.systems.get(code="OA")
    assert "保护工作方案（Word）" in client.get(f"/projects/demo/systems/{ih.pk}/").content.decode()
    assert "保护工作方案（Word）" not in client.get(f"/projects/demo/systems/{oa.pk}/").content.decode()
    r = client.post("/projects/demo/documents/generate/", {"kind": "protection_plan", "system_id": ih.pk})
    assert r.status_code == 302 and "/documents/jobs/" in r["Location"]
    listing = client.get("/projects/demo/documents/").content.decode()
    assert "生成保护工作方案" in listing and "IH-保护工作方案.docx" in listing
    refused = client.post(
        "/projects/demo/documents/generate/", {"kind": "protection_plan", "system_id": oa.pk}, follow=True
    )
    message = "保护工作方案仅适用于第三级及以上的定级对象：办公自动化系统（OA）为第二级"
    assert message in refused.content.decode()


def test_the_api_starts_a_plan_job_and_refuses_level_2(demo_db, login):
    import json

    client = login(_pm())
    ih, oa = demo_db.systems.get(code="IH"), demo_db.systems.get(code="OA")

    def start(system):
        body = json.dumps({"kind": "protection_plan", "system_id": system.pk})
        return client.post("/api/projects/demo/document-jobs", body, content_type="application/json")

    made = start(ih)
    assert made.status_code == 202, made.content
    assert [d["filename"] for d in made.json()["documents"]] == ["IH-保护工作方案.docx"]
    refused = start(oa)
    assert refused.status_code == 400 and "第三级及以上" in refused.content.decode()
