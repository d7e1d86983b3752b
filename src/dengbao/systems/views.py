"""Pages of 定级备案: the systems list, a system's profile, the grading wizard and workflow, filing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, report
from dengbao.core import grading as core_grading
from dengbao.core import grading_workflow as wf

from . import forms as f
from . import selectors, services


def _context(request: HttpRequest, project, **extra):
    return {
        "project": project,
        "active_module": "systems",
        "can_edit": permissions.can(request.user, "project.edit", project),
        "can_record": permissions.can(request.user, "project.record", project),
        "can_view_internal": permissions.can(request.user, "project.view_internal", project),
        "document_kinds": [
            ("grading-report", _("定级报告")),
            ("filing-form", _("备案表")),
            ("filing-form-legacy", _("备案表（旧版）")),
        ],
        **extra,
    }


def _system(permission: str | None = None):
    """An action's loader: the project (``permission`` required, if any) and one of its systems."""

    def load(request: HttpRequest, project: str, system_id: int, **rest) -> dict:
        if permission is None:
            obj = account_selectors.project_get(actor=request.user, slug=project)
        else:
            obj = account_selectors.project_get(actor=request.user, slug=project, action=permission)
        system = selectors.system_get(actor=request.user, project=obj, system_id=system_id)
        return {"obj": obj, "system": system, **rest}

    return load


def _project(permission: str):
    def load(request: HttpRequest, project: str) -> dict:
        return {"obj": account_selectors.project_get(actor=request.user, slug=project, action=permission)}

    return load


def _to_detail(request: HttpRequest, obj, system, **_rest) -> HttpResponse:
    return redirect("systems:detail", project=obj.slug, system_id=system.pk)


@login_required
def system_list(request: HttpRequest, project: str) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    form = f.SystemCreateForm(request.POST or None)
    if request.method == "POST":
        permissions.require(request.user, "project.edit", obj)
        if form.is_valid():
            data = form.cleaned_data
            if obj.client.systems.filter(name=data["name"]).exists():
                form.add_error("name", _("该单位已有同名定级对象。"))
            else:
                system = services.system_create(
                    actor=request.user, organisation=obj.client, project=obj, **data
                )
                messages.success(request, _("已创建定级对象，请补充其信息后开始定级。"))
                return redirect("systems:edit", project=obj.slug, system_id=system.pk)
    rows = selectors.system_rows(actor=request.user, project=obj)
    return render(request, "systems/system_list.html", _context(request, obj, rows=rows, create_form=form))


@login_required
def unit_profile(request: HttpRequest, project: str) -> HttpResponse:
    """表一 单位基本情况 of the client organisation (used by every 备案表)."""
    from .models import UnitProfile

    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.edit")
    profile = UnitProfile.objects.filter(organisation=obj.client).first() or UnitProfile(
        organisation=obj.client
    )
    initial = {"credit_code": obj.client.credit_code, "address": obj.client.address}
    form = f.UnitProfileForm(request.POST or None, instance=profile, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.unit_profile_save(
            actor=request.user,
            project=obj,
            credit_code=data.pop("credit_code"),
            address=data.pop("address"),
            **data,
        )
        messages.success(request, _("单位基本情况已保存。"))
        return redirect("systems:list", project=obj.slug)
    return render(request, "systems/unit_profile.html", _context(request, obj, form=form))


@login_required
def system_detail(request: HttpRequest, project: str, system_id: int) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    system = selectors.system_get(actor=request.user, project=obj, system_id=system_id)
    row = next(r for r in selectors.system_rows(actor=request.user, project=obj) if r.system.pk == system.pk)
    context = _context(
        request,
        obj,
        system=system,
        row=row,
        gradings=system.gradings.order_by("-version"),
        transitions=services.transition_options(row.grading) if row.grading else [],
        data_categories=system.data_categories.all(),
        data_form=f.DataCategoryForm(),
        topology_form=f.TopologyForm(),
        filing_form=f.FilingForm(),
    )
    return render(request, "systems/system_detail.html", context)


@login_required
def system_edit(request: HttpRequest, project: str, system_id: int) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.edit")
    system = selectors.system_get(actor=request.user, project=obj, system_id=system_id)
    form = f.SystemForm(request.POST or None, instance=system)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        system.refresh_from_db()  # the form wrote into the instance; the service records the change
        services.system_update(actor=request.user, project=obj, system=system, **fields)
        messages.success(request, _("已保存。"))
        return redirect("systems:detail", project=obj.slug, system_id=system.pk)
    return render(request, "systems/system_edit.html", _context(request, obj, system=system, form=form))


@login_required
@action(load=_system("project.edit"))
def data_category_add(request: HttpRequest, obj, system) -> HttpResponse:
    form = f.DataCategoryForm(request.POST)
    if form.is_valid():
        services.data_category_save(actor=request.user, project=obj, system=system, **form.cleaned_data)
        messages.success(request, _("已添加数据类别。"))
    else:
        messages.error(
            request, _("数据类别未保存：") + "；".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        )
    return redirect("systems:detail", project=obj.slug, system_id=system.pk)


@login_required
@action(load=_system("project.edit"), back=_to_detail, join=" ")
def topology_upload(request: HttpRequest, obj, system) -> HttpResponse:
    form = f.TopologyForm(request.POST, request.FILES)
    if form.is_valid():
        services.system_set_topology(
            actor=request.user, project=obj, system=system, upload=form.cleaned_data["image"]
        )
        messages.success(request, _("已上传拓扑图。"))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("systems:detail", project=obj.slug, system_id=system.pk)


def _preview(system, data) -> dict:
    business, service = f.harms_from_post(data, "b"), f.harms_from_post(data, "s")
    result, error = None, ""
    if business and service:
        try:
            result = services.compute(system, business, service)
        except core_grading.GradingError as exc:
            error = str(exc)
    else:
        error = _("请为业务信息和系统服务各选择至少一个受侵害客体及其侵害程度。")
    return {
        "result": result,
        "error": error,
        "business_rows": core_grading.matrix_rows(result.business if result else None),
        "service_rows": core_grading.matrix_rows(result.service if result else None),
        "degrees": f.DEGREE_CHOICES,
        "business": business,
        "service": service,
    }


def _draft_refused(request: HttpRequest, exc: ValidationError, obj, system) -> HttpResponse:
    """The wizard again with what was sent, the reason above it."""
    report(request, exc, join=" ")
    return _grading_page(request, obj, system, request.POST, _preview(system, request.POST))


@login_required
@action(load=_system(), methods=("GET", "POST"), invalid=_draft_refused)
def grading_edit(request: HttpRequest, obj, system) -> HttpResponse:
    """The grading wizard: pick harmed objects and degrees, watch both matrices, save the draft."""
    current = system.current_grading
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        preview = _preview(system, request.POST)
        if request.headers.get("HX-Request"):
            return render(request, "systems/_matrices.html", preview)
        if preview["result"] is not None:
            services.grading_save_draft(
                actor=request.user,
                project=obj,
                system=system,
                business_harms=preview["business"],
                service_harms=preview["service"],
                business_description=request.POST.get("business_description", ""),
                service_description=request.POST.get("service_description", ""),
            )
            messages.success(request, _("定级草稿已保存：%(sa)s") % {"sa": preview["result"].sa})
            return redirect("systems:detail", project=obj.slug, system_id=system.pk)
        values = request.POST
    else:
        values = {}
        if current is not None:
            values = {
                **f.harms_initial(current.business_harms, "b"),
                **f.harms_initial(current.service_harms, "s"),
                "business_description": current.business_description,
                "service_description": current.service_description,
            }
        preview = _preview(system, values)
    return _grading_page(request, obj, system, values, preview)


def _grading_page(request: HttpRequest, obj, system, values, preview: dict) -> HttpResponse:
    current = system.current_grading
    context = _context(
        request,
        obj,
        system=system,
        current=current,
        values=values,
        objects=[(key, o) for key, o in f.OBJECT_KEYS.items()],
        editable=current is None or current.state in (wf.State.DRAFT, wf.State.SUPERSEDED),
        **preview,
    )
    return render(request, "systems/grading_edit.html", context)


STEP_FORMS = {"review": f.ReviewForm, "authority": f.AuthorityForm, "police": f.PoliceForm}


def _grading(request: HttpRequest, project: str, system_id: int, grading_id: int, step: str) -> dict:
    loaded = _system("project.edit")(request, project, system_id)
    grading = selectors.grading_get(
        actor=request.user, project=loaded["obj"], system=loaded["system"], grading_id=grading_id
    )
    return {**loaded, "grading": grading, "step": step}


@login_required
@action(load=_grading, back=_to_detail)
def grading_step(request: HttpRequest, obj, system, grading, step: str) -> HttpResponse:
    """Record a workflow step (review / authority / police), move along it (transition) or start a change."""
    try:
        if step in STEP_FORMS:
            form = STEP_FORMS[step](request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(
                    [f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items()]
                )
            data = dict(form.cleaned_data)
            upload = data.pop("review_form", None)
            services.grading_record_step(actor=request.user, project=obj, grading=grading, **data)
            if upload:
                services.grading_attach_review_form(
                    actor=request.user, project=obj, grading=grading, upload=upload
                )
            messages.success(request, _("已记录。"))
        elif step == "transition":
            target = wf.State(request.POST.get("target", ""))
            services.grading_transition(actor=request.user, project=obj, grading=grading, target=target)
            messages.success(request, _("已转到“%(s)s”。") % {"s": target.label})
        elif step == "date":
            on = parse.date(request.POST.get("graded_on"), _("定级日期"))  # 2026-02-30: refused, named
            services.grading_set_date(actor=request.user, project=obj, grading=grading, on=on)
            messages.success(request, _("已更新定级日期。"))
        elif step == "change":
            form = f.ChangeForm(request.POST)
            services.grading_change(
                actor=request.user, project=obj, grading=grading, reason=form.data.get("reason", "")
            )
            messages.success(request, _("已发起等级变更，请重新确定等级。"))
        else:
            return HttpResponse(status=404)
    except ValueError:
        messages.error(request, _("未知的目标状态。"))
    return redirect("systems:detail", project=obj.slug, system_id=system.pk)


@login_required
@action(load=_system("project.edit"))
def filing_save(request: HttpRequest, obj, system) -> HttpResponse:
    form = f.FilingForm(request.POST)
    if form.is_valid():
        filing = system.filings.order_by("-created_at").first()
        if (
            filing is not None
            and form.cleaned_data.get("form_edition") == "2025"
            and filing.edition == "legacy"
        ):
            filing = None  # the 2025 re-filing is a filing of its own: the old record stays
        services.filing_record(
            actor=request.user,
            project=obj,
            system=system,
            filing=filing,
            grading=system.current_grading,
            **form.cleaned_data,
        )
        messages.success(request, _("备案信息已保存。"))
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}：{' '.join(errors)}")
    return redirect("systems:detail", project=obj.slug, system_id=system.pk)
