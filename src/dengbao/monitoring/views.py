"""Monitoring pages: the status wall, a monitor, its baseline approval, the monthly availability.

Views read the form, call one service or selector, and show the outcome.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, reported

from . import selectors, services, zones
from .alert_models import Incident


def _project(request: HttpRequest, project: str):
    return account_selectors.project_get(actor=request.user, slug=project)


def _monitor(permission: str | None = None):
    """An action's loader: the project and one of its monitors (``permission`` asked, if any)."""

    def load(request: HttpRequest, project: str, monitor_id: int) -> dict:
        obj = _project(request, project)
        if permission is None:
            monitor = selectors.monitor_get(actor=request.user, project=obj, monitor_id=monitor_id)
        else:
            monitor = selectors.monitor_get(
                actor=request.user, project=obj, monitor_id=monitor_id, action=permission
            )
        return {"obj": obj, "monitor": monitor}

    return load


def _editing(request: HttpRequest, project: str) -> dict:
    obj = _project(request, project)
    permissions.require(request.user, "project.edit", obj)
    return {"obj": obj}


def ctx(request: HttpRequest, project, tab: str, **extra):
    return {
        "project": project,
        "active_module": "monitoring",
        "tab": tab,
        "can_edit": permissions.can(request.user, "project.edit", project),
        "can_record": permissions.can(request.user, "project.record", project),
        "can_view_internal": permissions.can(request.user, "project.view_internal", project),
        **extra,
    }


def _url(name: str, project, **kwargs) -> str:
    return reverse(f"monitoring:{name}", kwargs={"project": project.slug, **kwargs})


@login_required
def status_wall(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    data = selectors.wall(
        actor=request.user,
        project=obj,
        page=request.GET.get("page", 1),
        state=request.GET.get("state", ""),
        query=request.GET.get("q", "").strip()[:100],
    )
    return render(
        request,
        "monitoring/wall.html",
        ctx(
            request,
            obj,
            "wall",
            wall=data,
            wall_url=_url("wall", obj),  # a tile links to wall_url + id + "/" (the monitor page)
            states=selectors.WALL_STATES,
            q=request.GET.get("q", "")[:100],
        ),
    )


def _form_data(request: HttpRequest) -> dict:
    data = {k: request.POST.get(k, "") for k in request.POST}
    for flag in ("heightened_on_holidays", "enabled"):
        data[flag] = flag in request.POST
    return data


def _monitor_form(request: HttpRequest, obj, monitor=None) -> HttpResponse:
    return render(
        request,
        "monitoring/monitor_form.html",
        ctx(request, obj, "wall", monitor=monitor, zones=zones.zones().values(), form=request.POST or None),
    )


@login_required
@action(load=_editing, methods=("GET", "POST"), invalid=reported(_monitor_form))
def monitor_new(request: HttpRequest, obj) -> HttpResponse:
    if request.method == "POST":
        monitor = services.monitor_create(actor=request.user, project=obj, data=_form_data(request))
        messages.success(request, _("已添加监测对象“%(n)s”") % {"n": monitor.name})
        return redirect(_url("monitor", obj, monitor_id=monitor.pk))
    return _monitor_form(request, obj)


@login_required
@action(load=_monitor("project.edit"), methods=("GET", "POST"), invalid=reported(_monitor_form))
def monitor_edit(request: HttpRequest, obj, monitor) -> HttpResponse:
    if request.method == "POST":
        services.monitor_update(actor=request.user, monitor=monitor, data=_form_data(request))
        messages.success(request, _("已保存"))
        return redirect(_url("monitor", obj, monitor_id=monitor.pk))
    return _monitor_form(request, obj, monitor)


@login_required
def monitor_detail(request: HttpRequest, project: str, monitor_id: int) -> HttpResponse:
    obj = _project(request, project)
    monitor = selectors.monitor_get(actor=request.user, project=obj, monitor_id=monitor_id)
    days = 30 if request.GET.get("range") == "30d" else 7 if request.GET.get("range") == "7d" else 1
    return render(
        request,
        "monitoring/monitor.html",
        ctx(
            request,
            obj,
            "wall",
            monitor=monitor,
            status=getattr(monitor, "status", None),
            chart=selectors.history(actor=request.user, monitor=monitor, days=days),
            range=days,
            uptime=selectors.uptime_summary(actor=request.user, monitor=monitor),
            incidents=selectors.incidents(actor=request.user, monitor=monitor),
            baseline=services.current_baseline(monitor),
            zone=zones.zone(monitor.zone),
        ),
    )


@login_required
@action(load=_monitor("project.record"))
def monitor_check(request: HttpRequest, obj, monitor) -> HttpResponse:
    outcome = services.monitor_check(actor=request.user, monitor=monitor)
    if outcome is None and not zones.runs_here(monitor.zone):
        messages.info(
            request,
            _("“%(z)s”区域的监测对象由该区域的工作进程检查，本服务器不直接访问该区域。%(s)s")
            % {
                "z": zones.zone(monitor.zone).label,
                "s": _("已通知区域工作进程立即检查。")
                if settings.DENGBAO_CELERY_BROKER
                else _("结果将在其下一次计划检查后显示。"),
            },
        )
    elif outcome is not None:
        failed = [c.name for c in outcome.report.failed]
        if failed:
            messages.warning(request, _("检查完成，未通过：%(f)s") % {"f": "、".join(failed)})
        else:
            messages.success(request, _("检查完成，全部通过"))
    return redirect(_url("monitor", obj, monitor_id=monitor.pk))


@login_required
@action(load=_monitor("project.edit"))
def monitor_delete(request: HttpRequest, obj, monitor) -> HttpResponse:
    services.monitor_delete(actor=request.user, monitor=monitor)
    messages.success(request, _("已删除监测对象“%(n)s”") % {"n": monitor.name})
    return redirect(_url("wall", obj))


def _baseline_page(request: HttpRequest, obj, monitor) -> HttpResponse:
    review = selectors.baseline_review(actor=request.user, monitor=monitor)
    return render(
        request, "monitoring/baseline.html", ctx(request, obj, "wall", monitor=monitor, review=review)
    )


@login_required
@action(
    load=_monitor(),
    methods=("GET", "POST"),
    invalid=reported(_baseline_page),
)
def baseline(request: HttpRequest, obj, monitor) -> HttpResponse:
    if request.method == "POST":
        approved = services.baseline_approve(
            actor=request.user,
            monitor=monitor,
            dom_hash=request.POST.get("dom_hash", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已批准为基线第 %(v)s 版") % {"v": approved.version})
        return redirect(_url("baseline", obj, monitor_id=monitor.pk))
    return _baseline_page(request, obj, monitor)


@login_required
def incident_snapshot(request: HttpRequest, project: str, incident_id: int) -> HttpResponse:
    """The changed page as fetched, as a download in plain text: never rendered in our origin."""
    obj = _project(request, project)
    incident: Incident = selectors.incident_get(actor=request.user, project=obj, incident_id=incident_id)
    response = HttpResponse(incident.snapshot_html, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.pk}.html.txt"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def availability(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    today = timezone.localdate()
    try:
        month = dt.date.fromisoformat((request.GET.get("month") or "")[:7] + "-01")
    except ValueError:
        month = today.replace(day=1)
    rows = selectors.availability_month(actor=request.user, project=obj, year=month.year, month=month.month)
    return render(
        request, "monitoring/availability.html", ctx(request, obj, "report", rows=rows, month=month)
    )
