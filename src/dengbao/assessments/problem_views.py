"""Problem pages: the gap list (filters, sorting, Excel), one problem with its high-risk case, 重大风险隐患.

The client contact sees the gap list and each problem (``project.view``); every change
goes through a service that asks for ``project.record``.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action
from dengbao.core import problems as core
from dengbao.core.catalogue.vocab import CATEGORIES

from . import problem_selectors as selectors
from . import problem_services as services
from . import selectors as assessment_selectors
from .problem_models import Problem, Risk

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    ("unit", gettext_lazy("测评单元")),
    ("category", gettext_lazy("安全类")),
    ("control_point", gettext_lazy("控制点")),
    ("title", gettext_lazy("问题")),
    ("objects", gettext_lazy("测评对象")),
    ("risk", gettext_lazy("风险等级")),
    ("case", gettext_lazy("高风险判例")),
    ("status", gettext_lazy("整改状态")),
)


def _load(request: HttpRequest, project: str, assessment_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    assessment = assessment_selectors.assessment_get(
        actor=request.user, project=obj, assessment_id=assessment_id
    )
    return obj, assessment


def _list_url(project, assessment) -> str:
    return reverse(
        "assessments:problem_list", kwargs={"project": project.slug, "assessment_id": assessment.pk}
    )


def _recording(request: HttpRequest, project: str, assessment_id: int) -> dict:
    """An action's loader: the assessment, for someone who may record (``project.record``)."""
    obj, assessment = _load(request, project, assessment_id)
    permissions.require(request.user, "project.record", obj)
    return {"obj": obj, "assessment": assessment}


def _problem(request: HttpRequest, project: str, assessment_id: int, problem_id: int) -> dict:
    obj, assessment = _load(request, project, assessment_id)
    problem = selectors.problem_get(actor=request.user, assessment=assessment, problem_id=problem_id)
    return {"obj": obj, "assessment": assessment, "problem": problem}


def _recording_problem(request: HttpRequest, project: str, assessment_id: int, problem_id: int) -> dict:
    loaded = _problem(request, project, assessment_id, problem_id)
    permissions.require(request.user, "project.record", loaded["obj"])
    return loaded


def _to_list(request: HttpRequest, obj, assessment) -> HttpResponse:
    return redirect(_list_url(obj, assessment))


def _to_major_risks(request: HttpRequest, obj, assessment) -> HttpResponse:
    return redirect(_list_url(obj, assessment) + "#major-risks")


def _to_problem(request: HttpRequest, obj, assessment, problem) -> HttpResponse:
    return redirect(
        "assessments:problem_detail", project=obj.slug, assessment_id=assessment.pk, problem_id=problem.pk
    )


def _columns(request: HttpRequest, current: str, project_scope: bool):
    """Each sortable column with the query string that sorts by it (again: the other way)."""
    columns = list(COLUMNS)
    if project_scope:
        columns.insert(0, ("assessment", _("等级测评")))
    out = []
    for key, label in columns:
        query = request.GET.copy()
        query["sort"] = f"-{key}" if current == key else key
        arrow = "▲" if current == key else "▼" if current == f"-{key}" else ""
        out.append({"key": key, "label": label, "query": query.urlencode(), "arrow": arrow})
    return out


@login_required
def problem_list(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    """The gap list of this assessment, or with ``?scope=project`` of every assessment in the project."""
    obj, assessment = _load(request, project, assessment_id)
    project_scope = request.GET.get("scope") == "project"
    filters = selectors.GapFilters.from_query(request.GET)
    entries = selectors.gap_list(
        actor=request.user, project=obj, assessment=None if project_scope else assessment, filters=filters
    )
    rnd = selectors.problem_round(actor=request.user, assessment=assessment)
    can_record = permissions.can(request.user, "project.record", obj)
    context = {
        "project": obj,
        "active_module": "assessments",
        "assessment": assessment,
        "round": rnd,
        "entries": entries,
        "filters": filters,
        "project_scope": project_scope,
        "columns": _columns(request, filters.sort, project_scope),
        "export_query": request.GET.urlencode(),
        "can_record": can_record,
        "can_view_internal": permissions.can(request.user, "project.view_internal", obj),
        "risks": Risk.choices,
        "statuses": Problem.Status.choices,
        "case_statuses": Problem.CaseStatus.choices,
        "categories": CATEGORIES,
        "objects": assessment.test_objects.order_by("kind", "name"),
        "assessments": obj.assessments.order_by("name") if project_scope else [],
        "major_risks": selectors.major_risks(actor=request.user, rnd=rnd),
        "major_risk_text": selectors.major_risk_summary(actor=request.user, rnd=rnd),
        "conditions": selectors.conditions(actor=request.user, assessment=assessment) if can_record else [],
    }
    return render(request, "assessments/problem_list.html", context)


@login_required
def gap_list_xlsx(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    """The same list, filtered and sorted the same way, as 差距分析问题列表.xlsx."""
    obj, assessment = _load(request, project, assessment_id)
    project_scope = request.GET.get("scope") == "project"
    filters = selectors.GapFilters.from_query(request.GET)
    entries = selectors.gap_list(
        actor=request.user, project=obj, assessment=None if project_scope else assessment, filters=filters
    )
    scope_name = obj.name if project_scope else f"{obj.name} · {assessment.name}"
    stream = io.BytesIO()
    core.write_gap_list(
        (e.gap_row() for e in entries),
        stream,
        title=f"差距分析问题列表：{scope_name}",
        with_scope=project_scope,
    )
    response = HttpResponse(stream.getvalue(), content_type=XLSX)
    name = f"gap-list-{obj.slug}" + ("" if project_scope else f"-{assessment.pk}")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@action(load=_recording)
def problems_sync(request: HttpRequest, obj, assessment) -> HttpResponse:
    rnd = selectors.problem_round(actor=request.user, assessment=assessment)
    report = services.problems_sync(actor=request.user, rnd=rnd)
    messages.success(request, _("已按测评结果更新问题列表：%(report)s") % {"report": report})
    return redirect(_list_url(obj, assessment))


@login_required
@action(load=_recording, back=_to_list)
def problem_conditions(request: HttpRequest, obj, assessment) -> HttpResponse:
    """Which case conditions hold (业务连续性要求高 …): one select per condition, holds/absent/unknown."""
    names = [name for name, _state in selectors.conditions(actor=request.user, assessment=assessment)]
    states = {name: request.POST.get(f"condition-{name}", "") for name in names}
    services.case_conditions_set(
        actor=request.user,
        assessment=assessment,
        holds=[n for n, s in states.items() if s == "holds"],
        absent=[n for n, s in states.items() if s == "absent"],
    )
    messages.success(request, _("已保存判例适用条件；请重新“按结果同步”以更新建议的判例"))
    return redirect(_list_url(obj, assessment))


@login_required
@action(load=_recording, back=_to_major_risks)
def major_risks(request: HttpRequest, obj, assessment) -> HttpResponse:
    """Create a 重大风险隐患 from selected problems, mark one fixed / not fixed, or remove it."""
    rnd = selectors.problem_round(actor=request.user, assessment=assessment)
    action = request.POST.get("action", "create")
    if action == "create":
        ids = [int(v) for v in request.POST.getlist("problems") if v.isdigit()]
        chosen = list(rnd.problems.filter(pk__in=ids))
        services.major_risk_create(
            actor=request.user,
            rnd=rnd,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", "")[:5000],
            problems=chosen,
        )
        messages.success(request, _("已标记重大风险隐患"))
    else:
        raw = request.POST.get("major_risk", "")
        if not raw.isdigit():
            raise ValidationError(_("请求无效：缺少重大风险隐患"))
        target = selectors.major_risk_get(actor=request.user, rnd=rnd, major_risk_id=int(raw))
        if action in ("fixed", "open"):
            services.major_risk_set_fixed(actor=request.user, major_risk=target, fixed=action == "fixed")
        elif action == "delete":
            services.major_risk_delete(actor=request.user, major_risk=target)
        else:
            raise ValidationError(_("未知的操作"))
    return _to_major_risks(request, obj, assessment)


def _here(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(request.path)


@login_required
@action(load=_problem, methods=("GET", "POST"), back=_here)
def problem_detail(request: HttpRequest, obj, assessment, problem) -> HttpResponse:
    if request.method == "POST":
        services.problem_update(
            actor=request.user,
            problem=problem,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", "")[:10000],
            remediation=request.POST.get("remediation", "")[:10000],
            risk=request.POST.get("risk", ""),
        )
        messages.success(request, _("已保存"))
        return redirect(request.path)
    matches = selectors.case_matches(actor=request.user, problem=problem)
    context = {
        "project": obj,
        "active_module": "assessments",
        "assessment": assessment,
        "problem": problem,
        "case": selectors.case_by_id(problem.high_risk_case) if problem.high_risk_case else None,
        "matches": matches,
        "objects": problem.test_objects.order_by("kind", "name"),
        "can_record": permissions.can(request.user, "project.record", obj),
        "risks": Risk.choices,
        "statuses": Problem.Status.choices,
    }
    return render(request, "assessments/problem_detail.html", context)


@login_required
@action(load=_recording_problem, back=_to_problem)
def problem_case(request: HttpRequest, obj, assessment, problem) -> HttpResponse:
    """Confirm (→ 高风险) or reject the proposed high-risk case, with a reason either way."""
    reason = request.POST.get("reason", "")[:5000]
    if request.POST.get("decision") == "confirm":
        services.case_confirm(
            actor=request.user,
            problem=problem,
            reason=reason,
            case_id=request.POST.get("case_id") or None,
        )
        messages.success(request, _("已确认高风险判例，问题判定为高风险"))
    elif request.POST.get("decision") == "reject":
        services.case_reject(actor=request.user, problem=problem, reason=reason)
        messages.success(request, _("已否定高风险判例"))
    else:
        raise ValidationError(_("请选择确认或否定"))
    return _to_problem(request, obj, assessment, problem)


@login_required
@action(load=_recording_problem, back=_to_problem)
def problem_status(request: HttpRequest, obj, assessment, problem) -> HttpResponse:
    services.problem_set_status(actor=request.user, problem=problem, status=request.POST.get("status", ""))
    return _to_problem(request, obj, assessment, problem)
