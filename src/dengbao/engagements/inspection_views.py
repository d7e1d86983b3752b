"""Inspection and hardening pages: checklists, visits with per-item results and evidence,
hardening actions from the manual with their steps and verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.actions import action
from dengbao.core.catalogue.vocab import OBJECT_TYPES
from dengbao.core.engagement import hardening

from . import hardening_services, inspection_selectors, inspection_services
from .inspection_models import HardeningAction, InspectionResult
from .views import _allowed, _contract, _ctx, _here, _load, _url

MAX_NEW_TARGETS = 8  # blank object rows on the new-visit form


@login_required
@action(load=_contract, methods=("GET", "POST"), back=_here)
def inspection_list(request: HttpRequest, obj, contract) -> HttpResponse:
    """Every visit; POST records a new one with the objects it looks at."""
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        targets = [
            {"object_type": t, "name": n, "system_id": parse.optional_int(s)}
            for t, n, s in zip(
                request.POST.getlist("object_type"),
                request.POST.getlist("object_name"),
                request.POST.getlist("object_system"),
                strict=False,
            )
        ]
        occurrence_id = parse.optional_int(request.POST.get("occurrence", ""))
        occurrence = None
        if occurrence_id:
            occurrence = contract.occurrences.filter(pk=occurrence_id).first()
            if occurrence is None:
                raise ValidationError(_("所选服务事项不存在"))
        visit = inspection_services.visit_create(
            actor=request.user,
            contract=contract,
            visited_on=parse.date(request.POST.get("visited_on", ""), _("巡检日期")) or timezone.localdate(),
            targets=targets,
            occurrence=occurrence,
            participants=request.POST.get("participants", ""),
        )
        messages.success(request, _("已创建巡检记录"))
        return redirect(_url("inspection", obj, visit_id=visit.pk))
    context = _ctx(
        request,
        obj,
        contract=contract,
        visits=inspection_selectors.visit_list(actor=request.user, contract=contract),
        occurrences=inspection_selectors.free_inspection_occurrences(actor=request.user, contract=contract),
        object_types=OBJECT_TYPES,
        systems=obj.systems.order_by("code", "name"),
        blank_rows=range(MAX_NEW_TARGETS),
        today=timezone.localdate(),
    )
    return render(request, "engagements/inspections.html", context)


@login_required
@action(load=_contract, methods=("GET", "POST"), back=_here)
def template_list(request: HttpRequest, obj, contract) -> HttpResponse:
    """The provider's checklist per object type; POST saves one (``text``) or resets it (``reset``)."""
    if request.method == "POST":
        permissions.require(request.user, "project.edit", obj)
        object_type = request.POST.get("object_type", "")
        if request.POST.get("reset"):
            inspection_services.template_reset(actor=request.user, project=obj, object_type=object_type)
        else:
            inspection_services.template_save(
                actor=request.user,
                project=obj,
                object_type=object_type,
                text=request.POST.get("text", ""),
            )
        messages.success(request, _("已保存“%(t)s”的检查项") % {"t": object_type})
        return redirect(request.path)
    context = _ctx(
        request,
        obj,
        contract=contract,
        rows=inspection_selectors.template_rows(actor=request.user, project=obj),
        owner=inspection_services.template_owner(obj),
    )
    return render(request, "engagements/inspection_templates.html", context)


@login_required
def inspection_detail(request: HttpRequest, project: str, visit_id: int) -> HttpResponse:
    obj, contract = _load(request, project)
    visit = inspection_selectors.visit_get(actor=request.user, contract=contract, visit_id=visit_id)
    targets = list(visit.targets.all())
    for target in targets:
        target.guides = hardening.guides_for(target.object_type) or list(hardening.MANUAL)
    context = _ctx(
        request,
        obj,
        contract=contract,
        visit=visit,
        targets=targets,
        outcomes=InspectionResult.Outcome.choices,
        actions=visit.hardening.all(),
        statuses=HardeningAction.Status,
    )
    context["editable"] = context["can_record"] and not visit.finished_at
    return render(request, "engagements/inspection.html", context)


def _to_visit(anchor: str = ""):
    def respond(request: HttpRequest, obj, contract, visit_id: int, **loaded) -> HttpResponse:
        return redirect(_url("inspection", obj, visit_id=visit_id) + anchor.format(**loaded))

    return respond


@login_required
@action(load=_allowed("project.record"), back=_to_visit("#t{inspection_object_id}"))
def inspection_results(
    request: HttpRequest, obj, contract, visit_id: int, inspection_object_id: int
) -> HttpResponse:
    """POST the outcome (``outcome-<id>``) and note (``note-<id>``) of each item of one object."""
    visit = inspection_selectors.visit_get(actor=request.user, contract=contract, visit_id=visit_id)
    target = next((t for t in visit.targets.all() if t.pk == inspection_object_id), None)
    if target is None:
        return redirect(_url("inspection", obj, visit_id=visit.pk))
    results = {
        r.pk: (request.POST.get(f"outcome-{r.pk}", r.outcome), request.POST.get(f"note-{r.pk}", r.note))
        for r in target.results.all()
    }
    changed = inspection_services.results_record(actor=request.user, target=target, results=results)
    messages.success(request, _("已保存 %(n)s 项结果") % {"n": changed})
    return redirect(_url("inspection", obj, visit_id=visit.pk) + f"#t{target.pk}")


@login_required
@action(load=_allowed("project.record"), back=_to_visit("#r{inspection_item_id}"))
def evidence_add(request: HttpRequest, obj, contract, visit_id: int, inspection_item_id: int) -> HttpResponse:
    visit = inspection_selectors.visit_get(actor=request.user, contract=contract, visit_id=visit_id)
    result = (
        InspectionResult.objects.filter(pk=inspection_item_id, target__visit=visit)
        .select_related("target")
        .first()
    )
    upload = request.FILES.get("file")
    if result is None:
        raise ValidationError(_("检查项不存在"))
    if upload is None:
        raise ValidationError(_("请选择要上传的文件"))
    evidence = inspection_services.evidence_add(actor=request.user, result=result, upload=upload)
    messages.success(request, _("已上传 %(name)s") % {"name": evidence.filename})
    return redirect(_url("inspection", obj, visit_id=visit.pk) + (f"#r{inspection_item_id}"))


@login_required
def evidence_download(request: HttpRequest, project: str, visit_id: int, file_id: int) -> HttpResponse:
    _, contract = _load(request, project)
    evidence = inspection_selectors.evidence_get(
        actor=request.user, contract=contract, visit_id=visit_id, file_id=file_id
    )
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)


@login_required
@action(load=_allowed("project.record"), back=_to_visit())
def inspection_finish(request: HttpRequest, obj, contract, visit_id: int) -> HttpResponse:
    visit = inspection_selectors.visit_get(actor=request.user, contract=contract, visit_id=visit_id)
    inspection_services.visit_finish(actor=request.user, visit=visit, summary=request.POST.get("summary", ""))
    messages.success(request, _("巡检已完成"))
    return redirect(_url("inspection", obj, visit_id=visit.pk))


def _planned_from(request: HttpRequest, obj, **_loaded) -> HttpResponse:
    """Back to the visit the action was planned from, else to the hardening page."""
    visit_id = parse.optional_int(request.POST.get("visit", ""))
    if visit_id:
        return redirect(_url("inspection", obj, visit_id=visit_id) + "#hardening")
    return redirect(_url("hardening", obj))


@login_required
@action(load=_contract, methods=("GET", "POST"), back=_planned_from)
def hardening_list(request: HttpRequest, obj, contract) -> HttpResponse:
    """Every hardening action and the manual; POST plans an action (from a visit's item or by hand)."""
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        visit = result = None
        visit_id = parse.optional_int(request.POST.get("visit", ""))
        if visit_id:
            visit = inspection_selectors.visit_get(actor=request.user, contract=contract, visit_id=visit_id)
            result = InspectionResult.objects.filter(
                pk=parse.optional_int(request.POST.get("result", "")) or 0, target__visit=visit
            ).first()
        hardening_services.action_create(
            actor=request.user,
            contract=contract,
            measure=request.POST.get("measure", ""),
            title=request.POST.get("title", ""),
            steps=request.POST.get("steps", "").splitlines(),
            verify_method=request.POST.get("verify_method", ""),
            visit=visit,
            result=result,
        )
        messages.success(request, _("已登记加固措施"))
        return _planned_from(request, obj)
    context = _ctx(
        request,
        obj,
        contract=contract,
        actions=inspection_selectors.action_list(actor=request.user, contract=contract),
        manual=hardening.MANUAL,
        statuses=HardeningAction.Status,
    )
    return render(request, "engagements/hardening.html", context)


def _to_action(request: HttpRequest, obj, contract, hardening_id: int) -> HttpResponse:
    """Back to the action: on its visit's page when it came from there, else on the hardening page."""
    action = inspection_selectors.action_get(actor=request.user, contract=contract, hardening_id=hardening_id)
    if request.POST.get("next", "") == "visit" and action.visit_id:
        return redirect(_url("inspection", obj, visit_id=action.visit_id) + f"#a{action.pk}")
    return redirect(_url("hardening", obj) + f"#a{action.pk}")


@login_required
@action(load=_allowed("project.record"), back=_to_action)
def hardening_action(request: HttpRequest, obj, contract, hardening_id: int) -> HttpResponse:
    """POST ``op``: ``step`` (``position``, ``done``, ``note``), ``done``, ``verify`` (``passed``,
    ``verification``) or ``cancel`` (``reason``)."""
    action = inspection_selectors.action_get(actor=request.user, contract=contract, hardening_id=hardening_id)
    op, post = request.POST.get("op", ""), request.POST
    if op == "step":
        step = action.steps.filter(position=parse.optional_int(post.get("position", "")) or 0).first()
        if step is None:
            raise ValidationError(_("步骤不存在"))
        hardening_services.step_record(
            actor=request.user, step=step, done=post.get("done") == "1", note=post.get("note", "")
        )
    elif op == "done":
        hardening_services.action_done(actor=request.user, action=action)
    elif op == "verify":
        hardening_services.action_verify(
            actor=request.user,
            action=action,
            passed=post.get("passed") == "1",
            verification=post.get("verification", ""),
        )
    elif op == "cancel":
        hardening_services.action_cancel(actor=request.user, action=action, reason=post.get("reason", ""))
    else:
        raise ValidationError(_("未知的操作"))
    messages.success(request, _("已记录"))
    return _to_action(request, obj, contract, hardening_id)
