"""Remediation plan pages: the plan of an assessment, the tasks of one problem, one task.

Every member sees the plan; the owner (or the manager for them) uploads evidence and
submits; the provider (``project.record``) creates tasks and verifies or rejects. The
services decide who may do what; these views only read the form and show the outcome.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action

from . import problem_selectors
from . import remediation_selectors as selectors
from . import remediation_services as services
from . import selectors as assessment_selectors
from .remediation_models import RemediationTask


def _load(request: HttpRequest, project: str, assessment_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    assessment = assessment_selectors.assessment_get(
        actor=request.user, project=obj, assessment_id=assessment_id
    )
    return obj, assessment


def _recording(request: HttpRequest, project: str, assessment_id: int) -> dict:
    obj, assessment = _load(request, project, assessment_id)
    permissions.require(request.user, "project.record", obj)  # who may, before what they sent
    return {"obj": obj, "assessment": assessment}


def _problem(request: HttpRequest, project: str, assessment_id: int, problem_id: int) -> dict:
    obj, assessment = _load(request, project, assessment_id)
    problem = problem_selectors.problem_get(actor=request.user, assessment=assessment, problem_id=problem_id)
    return {"obj": obj, "assessment": assessment, "problem": problem}


def _task(request: HttpRequest, project: str, assessment_id: int, task_id: int) -> dict:
    obj, assessment = _load(request, project, assessment_id)
    task = selectors.task_get(actor=request.user, assessment=assessment, task_id=task_id)
    return {"obj": obj, "assessment": assessment, "task": task}


def _due(value: str):
    return parse.date(value, _("完成期限"))


def _here(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(request.path)


def _to_plan(request: HttpRequest, obj, assessment) -> HttpResponse:
    return redirect(reverse("assessments:remediation_plan", args=[obj.slug, assessment.pk]))


def _to_task(request: HttpRequest, obj, assessment, task) -> HttpResponse:
    return redirect(_task_url(obj, assessment, task))


def _to_evidence(request: HttpRequest, obj, assessment, task) -> HttpResponse:
    return redirect(_task_url(obj, assessment, task) + "#evidence")


def _ctx(request: HttpRequest, project, assessment, **extra):
    return {
        "project": project,
        "active_module": "assessments",
        "assessment": assessment,
        "can_record": permissions.can(request.user, "project.record", project),
        "can_view_internal": permissions.can(request.user, "project.view_internal", project),
        "statuses": RemediationTask.Status.choices,
        "today": timezone.localdate(),
        **extra,
    }


def _task_url(project, assessment, task) -> str:
    return reverse(
        "assessments:remediation_task",
        kwargs={"project": project.slug, "assessment_id": assessment.pk, "task_id": task.pk},
    )


@login_required
def remediation_plan(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    """整改计划: every task of the assessment with its owner, due date (overdue marked) and status."""
    obj, assessment = _load(request, project, assessment_id)
    filters = selectors.PlanFilters.from_query(request.GET)
    can_record = permissions.can(request.user, "project.record", obj)
    counts = selectors.plan_counts(actor=request.user, assessment=assessment)
    context = _ctx(
        request,
        obj,
        assessment,
        tasks=selectors.plan(actor=request.user, assessment=assessment, filters=filters),
        counts=counts,
        status_counts=[(v, label, counts.get(v, 0)) for v, label in RemediationTask.Status.choices],
        filters=filters,
        owners=selectors.task_owners(actor=request.user, assessment=assessment),
        unassigned=selectors.problems_without_task(actor=request.user, assessment=assessment)
        if can_record
        else [],
        owner_choices=selectors.owner_choices(actor=request.user, project=obj) if can_record else [],
    )
    return render(request, "assessments/remediation_plan.html", context)


@login_required
@action(load=_recording, back=_to_plan)
def remediation_bulk(request: HttpRequest, obj, assessment) -> HttpResponse:
    """Tasks for many unplanned problems at once: the same owner and due date for each."""
    wanted = {int(v) for v in request.POST.getlist("problems") if v.isdigit()}
    unplanned = selectors.problems_without_task(actor=request.user, assessment=assessment)
    chosen = [p for p in unplanned if p.pk in wanted]
    if len(chosen) != len(wanted):
        raise ValidationError(_("所选问题已有整改任务或不属于本次测评，请刷新后重试"))
    tasks = services.task_create_many(
        actor=request.user,
        problems=chosen,
        owner_id=parse.optional_int(request.POST.get("owner", "")),
        due_date=_due(request.POST.get("due_date", "")),
    )
    messages.success(request, _("已创建 %(n)d 项整改任务") % {"n": len(tasks)})
    return _to_plan(request, obj, assessment)


@login_required
@action(load=_problem, methods=("GET", "POST"), back=_here)
def remediation_problem(request: HttpRequest, obj, assessment, problem) -> HttpResponse:
    """The tasks of one problem, and (provider side) the form that creates one."""
    if request.method == "POST":
        task = services.task_create(
            actor=request.user,
            problem=problem,
            owner_id=parse.optional_int(request.POST.get("owner", "")),
            due_date=_due(request.POST.get("due_date", "")),
            measure=request.POST.get("measure", ""),
        )
        messages.success(request, _("已创建整改任务"))
        return redirect(_task_url(obj, assessment, task))
    context = _ctx(
        request,
        obj,
        assessment,
        problem=problem,
        tasks=selectors.problem_tasks(actor=request.user, problem=problem),
        owners=selectors.owner_choices(actor=request.user, project=obj),
    )
    return render(request, "assessments/remediation_problem.html", context)


@login_required
@action(load=_task, methods=("GET", "POST"), back=_here)
def remediation_task(request: HttpRequest, obj, assessment, task) -> HttpResponse:
    """One task: its evidence and history; POST edits the measure (and, provider side, owner and date)."""
    if request.method == "POST":
        services.task_update(
            actor=request.user,
            task=task,
            measure=request.POST.get("measure", ""),
            due_date=_due(request.POST.get("due_date", "")),
            owner_id=parse.optional_int(request.POST.get("owner", "")),
        )
        messages.success(request, _("已保存"))
        return redirect(request.path)
    can_record = permissions.can(request.user, "project.record", obj)
    context = _ctx(
        request,
        obj,
        assessment,
        task=task,
        problem=task.problem,
        evidence=selectors.task_evidence(actor=request.user, task=task),
        is_worker=services.is_worker(request.user, task),
        owners=selectors.owner_choices(actor=request.user, project=obj) if can_record else [],
        open_statuses=RemediationTask.OPEN,
    )
    return render(request, "assessments/remediation_task.html", context)


@login_required
@action(load=_task, methods=("GET", "POST"), back=_to_evidence)
def remediation_evidence(request: HttpRequest, obj, assessment, task) -> HttpResponse:
    """GET ``?id=<evidence>`` downloads one file; POST uploads one (``file``)."""
    if request.method == "GET":
        evidence = selectors.evidence_get(
            actor=request.user, task=task, evidence_id=parse.optional_int(request.GET.get("id", "")) or 0
        )
        return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(_("请选择要上传的文件"))
    evidence = services.evidence_add(actor=request.user, task=task, upload=upload)
    messages.success(request, _("已上传 %(name)s") % {"name": evidence.filename})
    return _to_evidence(request, obj, assessment, task)


@login_required
@action(load=_task, back=_to_task)
def remediation_submit(request: HttpRequest, obj, assessment, task) -> HttpResponse:
    services.task_submit(actor=request.user, task=task, note=request.POST.get("note", ""))
    messages.success(request, _("已提交，等待测评方验证"))
    return _to_task(request, obj, assessment, task)


@login_required
@action(load=_task, back=_to_task)
def remediation_verify(request: HttpRequest, obj, assessment, task) -> HttpResponse:
    decision = request.POST.get("decision", "")
    services.task_verify(actor=request.user, task=task, decision=decision, note=request.POST.get("note", ""))
    if decision == RemediationTask.Status.VERIFIED:
        messages.success(request, _("已验证通过"))
    else:
        messages.success(request, _("已退回，请负责人继续整改"))
    return _to_task(request, obj, assessment, task)
