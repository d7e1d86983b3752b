"""A remediation task belongs to its unit in the system and follows it from round to round.

After a 复测 starts, the 初测's task shows on the 复测's problem of the same unit (status and
evidence), the unit is not listed as unplanned, and a 符合 re-test result closes the task.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dengbao.assessments import problem_services, services
from dengbao.assessments import remediation_selectors as selectors
from dengbao.assessments import remediation_services as rs
from dengbao.assessments.models import RemediationTask
from dengbao.audit.models import AuditEvent

from .test_problems import _shortfalls, _sync, l3  # noqa: F401 - fixture


def _retest_record(world, rnd, obj, unit, value, note):
    record = rnd.results.get(obj=obj, unit_id=unit)
    services.result_record(
        actor=world.members["assessor"],
        record=record,
        value=value,
        note=note,
        methods=["核查"],
        version=record.version,
    )


@pytest.fixture
def retest(world_a, l3):  # noqa: F811
    """初测 with two problems, each given a task (one with evidence), finalised; the 复测 synced."""
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    first = services.current_round(assessment)
    rest = [
        {"record_id": r.pk, "version": r.version, "result": "符合", "note": "ok", "methods": ["核查"]}
        for r in first.results.filter(result="")
    ]
    services.results_apply(actor=world_a.members["assessor"], rnd=first, changes=rest, source="test")
    _sync(world_a, assessment)
    due = timezone.localdate() + timedelta(days=30)
    tasks = {
        unit: rs.task_create(
            actor=world_a.members["manager"],
            problem=first.problems.get(unit_id=unit),
            owner_id=world_a.members["client"].pk,
            due_date=due,
            measure=f"整改 {unit}",
        )
        for unit in ("L3-CES1-01", "L3-CES1-02")
    }
    rs.evidence_add(
        actor=world_a.members["client"],
        task=tasks["L3-CES1-01"],
        upload=SimpleUploadedFile("口令策略.png", b"\x89PNG evidence"),
    )
    for proposed in first.problems.filter(case_status="proposed"):
        problem_services.case_confirm(actor=world_a.members["assessor"], problem=proposed, reason="空口令")
    services.round_finalise(actor=world_a.members["manager"], rnd=first)
    second = services.retest_start(actor=world_a.members["manager"], assessment=assessment)
    _sync(world_a, assessment)
    return {"assessment": assessment, "first": first, "second": second, "tasks": tasks, "os": os_}


def test_the_first_rounds_task_shows_on_the_retests_problem(world_a, retest):
    second, task = retest["second"], retest["tasks"]["L3-CES1-01"]
    problem = second.problems.get(unit_id="L3-CES1-01")
    shown = selectors.problem_tasks(actor=world_a.members["manager"], problem=problem)
    assert [t.pk for t in shown] == [task.pk]
    assert shown[0].status == RemediationTask.Status.DOING and shown[0].evidence_count == 1
    assert shown[0].problem.round_id == retest["first"].pk  # the task stays where it was given
    unplanned = selectors.problems_without_task(
        actor=world_a.members["manager"], assessment=second.assessment
    )
    assert second.problems.filter(unit_id__in=["L3-CES1-01", "L3-CES1-02"]).count() == 2
    assert {p.unit_id for p in unplanned} & {"L3-CES1-01", "L3-CES1-02"} == set()


def test_a_compliant_retest_result_closes_the_task_and_says_so(world_a, retest):
    second, os_ = retest["second"], retest["os"]
    _retest_record(world_a, second, os_, "L3-CES1-02", "符合", "已配置登录超时 10 分钟")
    _sync(world_a, retest["assessment"])
    closed = RemediationTask.objects.get(pk=retest["tasks"]["L3-CES1-02"].pk)
    assert closed.status == RemediationTask.Status.VERIFIED and closed.closed_by_round_id == second.pk
    assert "第1次复测结果为符合" in closed.verification_note
    event = AuditEvent.objects.filter(action="remediation.close_by_retest").get()
    assert event.details["unit"] == "L3-CES1-02"
    still = RemediationTask.objects.get(pk=retest["tasks"]["L3-CES1-01"].pk)  # still 不符合
    assert still.status == RemediationTask.Status.DOING and still.closed_by_round_id is None
    _sync(world_a, retest["assessment"])  # syncing again closes nothing twice
    assert AuditEvent.objects.filter(action="remediation.close_by_retest").count() == 1


def test_the_pages_show_the_carried_task_and_not_the_unit_as_unplanned(world_a, retest, login):
    assessment, second = retest["assessment"], retest["second"]
    task = retest["tasks"]["L3-CES1-01"]
    kw = {"project": world_a.project.slug, "assessment_id": assessment.pk}
    problem = second.problems.get(unit_id="L3-CES1-01")
    manager = login(world_a.members["manager"])
    page = manager.get(reverse("assessments:remediation_problem", kwargs=kw | {"problem_id": problem.pk}))
    body = page.content.decode()
    assert page.status_code == 200 and f'data-task="{task.pk}"' in body
    assert 'data-status="doing"' in body and "该问题还没有整改任务" not in body and "初测" in body
    plan = manager.get(reverse("assessments:remediation_plan", kwargs=kw)).content.decode()
    assert f"problems/{problem.pk}/" not in plan
    # closed by the re-test: the task's own page says so
    _retest_record(world_a, second, retest["os"], "L3-CES1-02", "符合", "已配置登录超时")
    _sync(world_a, assessment)
    closed = retest["tasks"]["L3-CES1-02"]
    task_page = manager.get(reverse("assessments:remediation_task", kwargs=kw | {"task_id": closed.pk}))
    assert "第1次复测结果为符合，任务随之关闭" in task_page.content.decode()
    # the client follows the same task from the finalised 初测's problem
    client = login(world_a.members["client"])
    first_problem = retest["first"].problems.get(unit_id="L3-CES1-01")
    url = reverse("assessments:remediation_problem", kwargs=kw | {"problem_id": first_problem.pk})
    assert f'data-task="{task.pk}"' in client.get(url).content.decode()
