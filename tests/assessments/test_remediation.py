"""The remediation plan: tasks per problem, the client's evidence and submission, the provider's verdict."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone

from dengbao import urls as root_urls
from dengbao.accounts import services as account_services
from dengbao.accounts.roles import ProjectRole
from dengbao.assessments import remediation_selectors as selectors
from dengbao.assessments import remediation_services as rs
from dengbao.assessments import remediation_urls
from dengbao.assessments import urls as assessment_urls
from dengbao.assessments.models import Problem, RemediationEvidence, RemediationTask
from dengbao.audit.models import AuditEvent

from ..conftest import make_user
from .test_problems import _shortfalls, _sync, l3  # noqa: F401 - fixture

# --- until the lead mounts remediation_urls in assessments/urls.py, mount it here -----------------
# Once it is mounted there, this is the real URL map unchanged.


def _mounted(patterns) -> bool:
    return any(getattr(p, "urlconf_name", None) is remediation_urls for p in patterns)


_app_patterns = list(assessment_urls.urlpatterns)
if not _mounted(_app_patterns):
    _app_patterns.append(
        path(
            assessment_urls.P + "<int:assessment_id>/remediation/",
            include("dengbao.assessments.remediation_urls"),
        )
    )
urlpatterns = [
    path("", include((_app_patterns, "assessments")))
    if getattr(p, "urlconf_name", None) is assessment_urls
    else p
    for p in root_urls.urlpatterns
]
handler400, handler403 = root_urls.handler400, root_urls.handler403
handler404, handler500 = root_urls.handler404, root_urls.handler500

pytestmark = pytest.mark.urls(__name__)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def problem(world_a, l3):  # noqa: F811
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    return rnd.problems.get(unit_id="L3-CES1-01")


@pytest.fixture
def task(world_a, problem):
    return rs.task_create(
        actor=world_a.members["assessor"],
        problem=problem,
        owner_id=world_a.members["client"].pk,
        due_date=timezone.localdate() + timedelta(days=14),
        measure="删除 sa 空口令账户，启用口令复杂度策略",
    )


@pytest.fixture
def other_client(world_a):
    """A second client contact of the same project, who does not own the task."""
    user = make_user(world_a.client, username="proj-a-client2")
    account_services.membership_set(actor=None, project=world_a.project, user=user, role=ProjectRole.CLIENT)
    return user


def _url(name, task=None, **kwargs):
    if task is not None:
        assessment = task.problem.round.assessment
        kwargs |= {"project": assessment.project.slug, "assessment_id": assessment.pk, "task_id": task.pk}
    return reverse(f"assessments:{name}", kwargs=kwargs)


def _events(action):
    return AuditEvent.objects.filter(action=action)


# --- the whole round trip, through the pages ---------------------------------------------------------


def test_client_uploads_and_submits_provider_verifies_problem_fixed(world_a, problem, login):
    assessment = problem.round.assessment
    assessor, client_user = world_a.members["assessor"], world_a.members["client"]
    kw = {"project": world_a.project.slug, "assessment_id": assessment.pk}

    # the provider creates the task on the problem's page, the client contact as owner
    provider = login(assessor)
    page = provider.get(_url("remediation_problem", problem_id=problem.pk, **kw))
    assert page.status_code == 200 and client_user.username in page.content.decode()
    due = timezone.localdate() + timedelta(days=30)
    response = provider.post(
        _url("remediation_problem", problem_id=problem.pk, **kw),
        {"owner": client_user.pk, "due_date": due.isoformat(), "measure": ""},
    )
    task = RemediationTask.objects.get(problem=problem)
    assert response.status_code == 302 and response["Location"] == _url("remediation_task", task)
    assert (task.owner, task.due_date, task.status) == (client_user, due, "todo")
    assert task.measure == problem.remediation and task.created_by == assessor  # pre-filled 整改建议
    assert _events("remediation.create").filter(object_id=str(task.pk), actor_id=assessor.pk).exists()

    # the client sees it in the plan and uploads evidence
    client = login(client_user)
    plan = client.get(_url("remediation_plan", **kw)).content.decode()
    assert f'data-task="{task.pk}"' in plan and problem.title in plan
    content = b"password complexity: enabled\nsa account: removed\n" * 100
    response = client.post(
        _url("remediation_evidence", task), {"file": SimpleUploadedFile("sa-removed.txt", content)}
    )
    assert response.status_code == 302
    evidence = RemediationEvidence.objects.get(task=task)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest() and evidence.size == len(content)
    assert evidence.filename == "sa-removed.txt" and evidence.uploaded_by == client_user
    with evidence.file.open("rb") as stored:
        assert stored.read() == content
    task.refresh_from_db()
    assert task.status == "doing"  # the owner has started
    download = client.get(_url("remediation_evidence", task) + f"?id={evidence.pk}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == content

    # ... and submits with a note
    response = client.post(_url("remediation_submit", task), {"note": "已删除 sa 账户并配置口令策略"})
    task.refresh_from_db()
    assert response.status_code == 302 and task.status == "submitted" and task.submitted_at is not None
    assert task.client_note == "已删除 sa 账户并配置口令策略"
    detail = client.get(_url("remediation_task", task)).content.decode()
    assert 'id="verify"' not in detail and 'id="submit"' not in detail  # nothing left for the client

    # the provider verifies: the task is closed and the problem 已整改
    assert 'id="verify"' in provider.get(_url("remediation_task", task)).content.decode()
    response = provider.post(
        _url("remediation_verify", task), {"decision": "verified", "note": "现场核查通过"}
    )
    task.refresh_from_db()
    problem.refresh_from_db()
    assert response.status_code == 302
    assert (task.status, task.verified_by, task.verification_note) == ("verified", assessor, "现场核查通过")
    assert problem.status == Problem.Status.FIXED and problem.fixed_at is not None
    assert "status" in problem.edited_fields  # a later sync keeps the verdict
    for action in ("remediation.evidence_add", "remediation.submit", "remediation.verify", "problem.status"):
        assert _events(action).exists(), action
    upload_event = _events("remediation.evidence_add").get()
    assert upload_event.details["sha256"] == evidence.sha256 and upload_event.actor_id == client_user.pk


def test_problem_fixed_only_when_every_task_is_verified(world_a, problem, task):
    assessor, manager = world_a.members["assessor"], world_a.members["manager"]
    second = rs.task_create(
        actor=assessor, problem=problem, owner_id=manager.pk, due_date=timezone.localdate(), measure="培训"
    )
    for t in (task, second):
        rs.task_submit(actor=t.owner, task=t, note="完成")
    rs.task_verify(actor=assessor, task=task, decision="verified")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN
    rs.task_verify(actor=assessor, task=second, decision="verified")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.FIXED
    with pytest.raises(ValidationError, match="已验证"):
        rs.task_update(actor=assessor, task=task, measure="改")


# --- who may create, and for whom ----------------------------------------------------------------


def test_owner_must_be_a_member_who_can_upload(world_a, world_b, problem):
    assessor = world_a.members["assessor"]
    due = timezone.localdate() + timedelta(days=7)
    with pytest.raises(ValidationError, match="负责人须为本项目成员"):
        rs.task_create(actor=assessor, problem=problem, owner_id=world_b.members["client"].pk, due_date=due)
    with pytest.raises(ValidationError, match="客户联系人或项目经理"):
        rs.task_create(actor=assessor, problem=problem, owner_id=world_a.members["reviewer"].pk, due_date=due)
    with pytest.raises(ValidationError, match="完成期限不能早于今天"):
        rs.task_create(
            actor=assessor,
            problem=problem,
            owner_id=world_a.members["client"].pk,
            due_date=timezone.localdate() - timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        rs.task_create(
            actor=world_a.members["client"],
            problem=problem,
            owner_id=world_a.members["client"].pk,
            due_date=due,
        )
    assert not RemediationTask.objects.exists()
    assert [u.username for u in selectors.owner_choices(actor=assessor, project=world_a.project)] == [
        "proj-a-client",
        "proj-a-manager",
    ]


# --- the client side: only the owner acts ----------------------------------------------------------


def test_non_owner_client_can_look_but_not_upload_or_submit(world_a, task, other_client, login):
    upload = SimpleUploadedFile("x.png", b"\x89PNG fake")
    with pytest.raises(PermissionDenied):
        rs.evidence_add(actor=other_client, task=task, upload=upload)
    with pytest.raises(PermissionDenied):
        rs.task_submit(actor=other_client, task=task, note="我来提交")
    with pytest.raises(PermissionDenied):
        rs.task_update(actor=other_client, task=task, measure="改掉")
    assert (
        _events("permission.denied")
        .filter(actor_id=other_client.pk, details__wanted="remediation.owner")
        .count()
        == 3
    )
    # an assessor holds no upload right at all
    with pytest.raises(PermissionDenied):
        rs.evidence_add(actor=world_a.members["assessor"], task=task, upload=upload)

    client = login(other_client)
    page = client.get(_url("remediation_task", task))
    assert page.status_code == 200 and 'id="submit"' not in page.content.decode()
    assert client.post(_url("remediation_evidence", task), {"file": upload}).status_code == 403
    assert client.post(_url("remediation_submit", task), {"note": "x"}).status_code == 403
    task.refresh_from_db()
    assert task.status == "todo" and not task.evidence.exists()

    # the project manager may act for the client (evidence sent by mail)
    rs.evidence_add(actor=world_a.members["manager"], task=task, upload=SimpleUploadedFile("m.txt", b"ok"))
    assert task.evidence.count() == 1


def test_owner_edits_only_the_measure(world_a, task):
    client_user = world_a.members["client"]
    rs.task_update(actor=client_user, task=task, measure="先删除空口令账户")
    task.refresh_from_db()
    assert task.measure == "先删除空口令账户" and task.status == "doing"
    with pytest.raises(ValidationError, match="只有测评方可以修改负责人和完成期限"):
        rs.task_update(actor=client_user, task=task, measure="x", due_date=task.due_date + timedelta(days=60))
    rs.task_update(
        actor=world_a.members["assessor"],
        task=task,
        measure="x",
        due_date=task.due_date + timedelta(days=60),
        owner_id=world_a.members["manager"].pk,
    )
    task.refresh_from_db()
    assert task.owner == world_a.members["manager"]
    assert _events("remediation.update").count() == 2


def test_evidence_is_bounded_by_the_upload_limit(world_a, task, settings):
    client_user = world_a.members["client"]
    settings.DENGBAO_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError, match="过大：上限 1 KB"):
        rs.evidence_add(actor=client_user, task=task, upload=SimpleUploadedFile("big.bin", b"x" * 1025))
    lying = SimpleUploadedFile("lying.bin", b"x" * 4096)
    lying.size = 10  # a declared size is not trusted: the bytes are counted while hashing
    with pytest.raises(ValidationError, match="过大"):
        rs.evidence_add(actor=client_user, task=task, upload=lying)
    with pytest.raises(ValidationError, match="为空"):
        rs.evidence_add(actor=client_user, task=task, upload=SimpleUploadedFile("empty.txt", b""))
    assert not RemediationEvidence.objects.exists()
    exact = rs.evidence_add(actor=client_user, task=task, upload=SimpleUploadedFile("ok.bin", b"y" * 1024))
    assert exact.size == 1024 and exact.sha256 == hashlib.sha256(b"y" * 1024).hexdigest()


# --- the provider's verdict --------------------------------------------------------------------------


def test_reject_needs_a_note_and_returns_the_task_to_the_owner(world_a, task):
    assessor, client_user = world_a.members["assessor"], world_a.members["client"]
    with pytest.raises(ValidationError, match="只有待验证的任务可以验证"):
        rs.task_verify(actor=assessor, task=task, decision="verified")
    with pytest.raises(ValidationError, match="请填写整改说明"):
        rs.task_submit(actor=client_user, task=task, note="  ")
    rs.task_submit(actor=client_user, task=task, note="已整改")
    with pytest.raises(ValidationError, match="等待测评方验证"):
        rs.evidence_add(actor=client_user, task=task, upload=SimpleUploadedFile("late.txt", b"x"))
    with pytest.raises(ValidationError, match="退回时须填写验证意见"):
        rs.task_verify(actor=assessor, task=task, decision="rejected", note="")
    task.refresh_from_db()
    assert task.status == "submitted"
    rs.task_verify(actor=assessor, task=task, decision="rejected", note="口令策略截图缺失")
    task.refresh_from_db()
    problem = task.problem
    problem.refresh_from_db()
    assert (task.status, task.verification_note) == ("rejected", "口令策略截图缺失")
    assert problem.status == Problem.Status.OPEN and _events("remediation.reject").exists()
    # back with the owner: new evidence moves it to 整改中, and it can be submitted again
    rs.evidence_add(actor=client_user, task=task, upload=SimpleUploadedFile("policy.png", b"\x89PNG..."))
    task.refresh_from_db()
    assert task.status == "doing"
    rs.task_submit(actor=client_user, task=task, note="补充截图")
    rs.task_verify(actor=assessor, task=task, decision="verified")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.FIXED


def test_the_client_cannot_verify(world_a, task, login):
    client_user = world_a.members["client"]
    rs.task_submit(actor=client_user, task=task, note="已整改")
    with pytest.raises(PermissionDenied):
        rs.task_verify(actor=client_user, task=task, decision="verified")
    response = login(client_user).post(_url("remediation_verify", task), {"decision": "verified"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "submitted" and task.verified_by is None
    assert task.problem.status == Problem.Status.OPEN


# --- the plan: overdue, filters, isolation ------------------------------------------------------------


def test_plan_marks_and_filters_overdue(world_a, problem, task, login):
    assessor = world_a.members["assessor"]
    timeout = problem.round.problems.get(unit_id="L3-CES1-02")
    late = rs.task_create(
        actor=assessor,
        problem=timeout,
        owner_id=world_a.members["client"].pk,
        due_date=timezone.localdate(),
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    RemediationTask.objects.filter(pk=late.pk).update(due_date=yesterday)  # time passed
    assessment = problem.round.assessment
    kw = {"project": world_a.project.slug, "assessment_id": assessment.pk}

    overdue = selectors.plan(
        actor=assessor, assessment=assessment, filters=selectors.PlanFilters(overdue=True)
    )
    assert [t.pk for t in overdue] == [late.pk]
    counts = selectors.plan_counts(actor=assessor, assessment=assessment)
    assert (counts["total"], counts["overdue"], counts["todo"]) == (2, 1, 2)

    client = login(world_a.members["client"])
    body = client.get(_url("remediation_plan", **kw) + "?overdue=1").content.decode()
    assert f'data-task="{late.pk}" data-status="todo" class="is-overdue"' in body
    assert f'data-task="{task.pk}"' not in body and "（逾期）" in body
    body = client.get(_url("remediation_plan", **kw)).content.decode()
    assert f'data-task="{task.pk}" data-status="todo">' in body  # not overdue: no mark

    # a submitted task waits on the provider, so it is not the owner's overdue
    rs.task_submit(actor=world_a.members["client"], task=late, note="已配置超时")
    overdue = selectors.plan(
        actor=assessor, assessment=assessment, filters=selectors.PlanFilters(overdue=True)
    )
    assert overdue == []
    by_status = client.get(_url("remediation_plan", **kw) + "?status=submitted").content.decode()
    assert f'data-task="{late.pk}"' in by_status and f'data-task="{task.pk}"' not in by_status
    mine = client.get(_url("remediation_plan", **kw) + f"?owner={assessor.pk}").content.decode()
    assert "data-task=" not in mine


def test_unassigned_problems_listed_for_the_provider(world_a, problem, task, login):
    assessment = problem.round.assessment
    kw = {"project": world_a.project.slug, "assessment_id": assessment.pk}
    left = selectors.problems_without_task(actor=world_a.members["assessor"], assessment=assessment)
    assert [p.unit_id for p in left] == ["L3-CES1-02"]
    body = login(world_a.members["assessor"]).get(_url("remediation_plan", **kw)).content.decode()
    assert 'id="unassigned"' in body and f"problems/{left[0].pk}/" in body
    body = login(world_a.members["client"]).get(_url("remediation_plan", **kw)).content.decode()
    assert 'id="unassigned"' not in body


def test_assessor_of_another_project_gets_404_everywhere(world_a, world_b, task, login):
    evidence = rs.evidence_add(
        actor=world_a.members["client"], task=task, upload=SimpleUploadedFile("e.txt", b"evidence")
    )
    assessment = task.problem.round.assessment
    kw = {"project": world_a.project.slug, "assessment_id": assessment.pk}
    urls = [
        _url("remediation_plan", **kw),
        _url("remediation_problem", problem_id=task.problem_id, **kw),
        _url("remediation_task", task),
        _url("remediation_evidence", task) + f"?id={evidence.pk}",
        _url("remediation_submit", task),
        _url("remediation_verify", task),
    ]
    for user in (world_b.members["assessor"], world_b.members["client"]):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"decision": "verified", "note": "x"}).status_code == 404, url
    task.refresh_from_db()
    assert task.status == "doing" and task.evidence.count() == 1


def test_a_task_of_another_assessment_is_404(world_a, task, login):
    """The task id is looked up within the assessment in the URL, not just the project."""
    from dengbao.assessments.models import Assessment

    other = Assessment.objects.create(project=world_a.project, name="另一个测评", sa="S2A2")
    url = reverse(
        "assessments:remediation_task",
        kwargs={"project": world_a.project.slug, "assessment_id": other.pk, "task_id": task.pk},
    )
    assert login(world_a.members["assessor"]).get(url).status_code == 404


def test_tasks_for_many_problems_in_one_action(world_a, problem, login):
    rnd = problem.round
    assessment = rnd.assessment
    open_problems = list(rnd.problems.filter(status="open").order_by("unit_id"))
    assert len(open_problems) >= 2
    chosen = open_problems[:2]
    url = _url("remediation_bulk", project=world_a.project.slug, assessment_id=assessment.pk)
    plan = _url("remediation_plan", project=world_a.project.slug, assessment_id=assessment.pk)
    manager = login(world_a.members["manager"])
    assert 'id="bulk-tasks"' in manager.get(plan).content.decode()
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    owner = world_a.members["client"]
    data = {"problems": [str(p.pk) for p in chosen], "owner": str(owner.pk), "due_date": due}
    page = manager.post(url, data, follow=True).content.decode()
    assert "已创建 2 项整改任务" in page
    for p in chosen:
        (made,) = p.tasks.all()
        assert made.owner == owner and made.due_date.isoformat() == due and made.measure == p.remediation
    assert _events("remediation.create").count() == 2
    again = manager.post(url, data, follow=True).content.decode()  # they have tasks now: refused, none added
    assert "已有整改任务" in again and sum(p.tasks.count() for p in chosen) == 2
    assert login(world_a.members["client"]).post(url, data).status_code in (403, 404)
    none = manager.post(url, {"owner": str(owner.pk), "due_date": due}, follow=True).content.decode()
    assert "请勾选要安排整改的问题" in none
