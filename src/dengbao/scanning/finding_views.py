"""Findings pages: the filtered list with bulk state changes, and one finding's detail and history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.accounts.models import User
from dengbao.actions import action

from . import finding_services, link_services, selectors
from .finding_models import Severity, State

PER_PAGE = 50


def _filters(request: HttpRequest) -> selectors.FindingFilter:
    get = request.GET
    system = get.get("system", "")
    return selectors.FindingFilter(
        severity=get.get("severity", ""),
        state=get.get("state", "active" if "state" not in get else ""),
        host=get.get("host", "").strip()[:100],
        tool=get.get("tool", "").strip()[:50],
        system=int(system) if system.isdigit() else None,
        sla=get.get("sla", ""),
        q=get.get("q", "").strip()[:100],
        cve=get.get("cve", "").strip()[:32],
    )


def _project(request: HttpRequest, project: str) -> dict:
    return {"obj": account_selectors.project_get(actor=request.user, slug=project)}


def _finding(request: HttpRequest, project: str, finding_id: int) -> dict:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    return {
        "obj": obj,
        "finding": selectors.finding_get(actor=request.user, project=obj, finding_id=finding_id),
    }


def _same_page(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(request.get_full_path())


@login_required
@action(load=_project, methods=("GET", "POST"), back=_same_page)
def finding_list(request: HttpRequest, obj) -> HttpResponse:
    if request.method == "POST":  # bulk state change
        permissions.require(request.user, "project.view", obj)
        moved, skipped = finding_services.finding_bulk_transition(
            actor=request.user,
            project=obj,
            finding_ids=[int(i) for i in request.POST.getlist("finding") if i.isdigit()],
            to=request.POST.get("to", ""),
            note=request.POST.get("note", ""),
            until=parse.date(request.POST.get("until", ""), _("接受风险至")),
        )
        messages.success(request, _("已更新 %(n)d 个漏洞的状态") % {"n": moved})
        for reason in skipped[:10]:
            messages.warning(request, reason)
        return redirect(request.get_full_path())
    filters = _filters(request)
    page = Paginator(
        selectors.finding_list(actor=request.user, project=obj, filters=filters), PER_PAGE
    ).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for row in page:
        row.sla_flag = row.sla_status(today).replace("_", "-")
    context = {
        "project": obj,
        "active_module": "scanning",
        "tab": "findings",
        "page": page,
        "filters": filters,
        "severities": Severity.choices,
        "states": State.choices,
        "tools": selectors.finding_tools(actor=request.user, project=obj),
        "systems": obj.systems.order_by("code", "name"),
        "can_record": permissions.can(request.user, "project.record", obj),
        "can_fix": permissions.can(request.user, "project.upload_remediation", obj),
    }
    return render(request, "scanning/findings.html", context)


def _here(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(request.path)


@login_required
@action(load=_finding, methods=("GET", "POST"), back=_here)
def finding_detail(request: HttpRequest, obj, finding) -> HttpResponse:
    if request.method == "POST":
        try:
            _act(request, obj, finding)
        except PermissionDenied as exc:
            if request.POST.get("action") != "transition":
                raise
            messages.error(request, str(exc) if str(exc) and "." not in str(exc) else _("无权执行该操作"))
        return redirect(request.path)
    level = None
    assessment = link_services.assessment_for(finding)
    if assessment is not None:
        level = assessment.level
    moves = [
        (value, State(value).label)
        for value in sorted(finding_services.ALLOWED[finding.state])
        if finding_services.can_move(request.user, finding, value)
    ]
    members = User.objects.filter(memberships__project=obj).order_by("username").distinct()
    context = {
        "project": obj,
        "active_module": "scanning",
        "tab": "findings",
        "finding": finding,
        "events": selectors.finding_events(actor=request.user, finding=finding),
        "instances": selectors.finding_instances(actor=request.user, finding=finding),
        "moves": moves,
        "members": members,
        "approvers": [m for m in members if permissions.can(m, "project.accept_risk", obj)],
        "proposals": link_services.proposals(finding, level) if level else [],
        "assessment": assessment,
        "problems": link_services.linked_problems(finding),
        "sla_flag": finding.sla_status(timezone.localdate()),
        "can_record": permissions.can(request.user, "project.record", obj),
    }
    return render(request, "scanning/finding.html", context)


def _act(request: HttpRequest, project, finding) -> None:
    action = request.POST.get("action", "")
    if action == "comment":
        finding_services.finding_comment(
            actor=request.user, finding=finding, text=request.POST.get("text", "")
        )
        messages.success(request, _("已添加评论"))
    elif action == "transition":
        approver = None
        if request.POST.get("approver", "").isdigit():
            approver = User.objects.filter(
                pk=int(request.POST["approver"]), memberships__project=project
            ).first()
        finding_services.finding_transition(
            actor=request.user,
            finding=finding,
            to=request.POST.get("to", ""),
            note=request.POST.get("note", ""),
            until=parse.date(request.POST.get("until", ""), _("接受风险至")),
            approver=approver,
        )
        messages.success(request, _("已更新状态"))
    elif action == "assign":
        permissions.require(request.user, "project.record", project)
        owner = None
        if request.POST.get("owner", "").isdigit():
            owner = User.objects.filter(pk=int(request.POST["owner"])).first()
        finding_services.finding_assign(actor=request.user, finding=finding, owner=owner)
        messages.success(request, _("已指定负责人"))
    elif action == "exploitable":
        link_services.finding_set_exploitable(
            actor=request.user, finding=finding, exploitable=request.POST.get("value") == "1"
        )
    elif action == "link":
        problem = link_services.finding_link_problem(actor=request.user, finding=finding)
        messages.success(request, _("已关联安全问题：%(p)s") % {"p": f"{problem.unit_id} {problem.title}"})
    else:
        permissions.require(request.user, "project.view", project)
        raise ValidationError(_("未知的操作"))
