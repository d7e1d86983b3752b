"""Scanning pages: overview with the trend, authorisations, imports, inventory, scans, pen tests.

Views read the form, call one service or selector and show the outcome; the services decide
who may do what. POST-only views check the permission before answering 405.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao import parse, uploads
from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, back_to
from dengbao.core.engagement.service_year import NAMES as SERVICE_NAMES
from dengbao.core.importers import ImportFormatError, importers

from . import (
    authorisation_services,
    finding_services,
    forms,
    import_services,
    scan_services,
    selectors,
    sla,
)
from .finding_models import Severity
from .models import Scan, Technique


def _project(request: HttpRequest, slug: str):
    return account_selectors.project_get(actor=request.user, slug=slug)


def _ctx(request: HttpRequest, project, tab: str, **extra):
    return {
        "project": project,
        "active_module": "scanning",
        "tab": tab,
        "can_record": permissions.can(request.user, "project.record", project),
        "can_edit": permissions.can(request.user, "project.edit", project),
        **extra,
    }


def _loaded(request: HttpRequest, project: str) -> dict:
    """An action's loader: the project, for any member (the service asks for the write's permission)."""
    return {"obj": _project(request, project)}


def _allowed(permission: str):
    def load(request: HttpRequest, project: str, **rest) -> dict:
        return {
            "obj": account_selectors.project_get(actor=request.user, slug=project, action=permission),
            **rest,
        }

    return load


def _here(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(request.path)


def _system(project, value: str):
    if not (value or "").isdigit():
        return None
    system = project.systems.filter(pk=int(value)).first()
    if system is None:
        raise ValidationError(_("所选定级对象不属于本项目"))
    return system


@login_required
def overview(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    system_id = int(request.GET["system"]) if request.GET.get("system", "").isdigit() else None
    context = _ctx(
        request,
        obj,
        "overview",
        overview=selectors.overview(actor=request.user, project=obj),
        warnings=selectors.sla_warnings(actor=request.user, project=obj),
        trend_json=json.dumps(
            selectors.trend(actor=request.user, project=obj, system_id=system_id), ensure_ascii=False
        ),
        imports=selectors.import_list(actor=request.user, project=obj)[:5],
        systems=obj.systems.order_by("code", "name"),
        system_id=system_id,
        sla_days=sla.days_for(obj),
        warn_days=sla.warn_days_for(obj),
    )
    return render(request, "scanning/overview.html", context)


@login_required
@action(load=_allowed("project.edit"), back=back_to("scanning:overview", "project"))
def sla_update(request: HttpRequest, obj) -> HttpResponse:
    days = {s: parse.integer(request.POST.get(s, ""), s) for s in ("严重", "高", "中", "低")}
    finding_services.sla_set(
        actor=request.user,
        project=obj,
        days={k: v for k, v in days.items() if v is not None},
        warn_days=parse.integer(request.POST.get("warn_days", ""), _("提前预警"), default=7),
    )
    messages.success(request, _("已更新整改时限，并重新计算了全部漏洞的整改期限"))
    return redirect("scanning:overview", project=obj.slug)


@login_required
@action(load=_loaded, methods=("GET", "POST"), back=_here)
def authorisations(request: HttpRequest, obj) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.edit", obj)
        row = authorisation_services.authorisation_create(
            actor=request.user,
            project=obj,
            title=request.POST.get("title", ""),
            signer=request.POST.get("signer", ""),
            signed_on=parse.required_date(request.POST.get("signed_on", ""), _("签署日期")),
            valid_from=parse.moment(request.POST.get("valid_from", ""), _("生效时间")),
            valid_until=parse.moment(request.POST.get("valid_until", ""), _("失效时间")),
            techniques=request.POST.getlist("techniques"),
            cidrs=forms.lines(request.POST.get("cidrs", "")),
            hosts=forms.lines(request.POST.get("hosts", "")),
            urls=forms.lines(request.POST.get("urls", "")),
            ports=request.POST.get("ports", "") or "1-65535",
            windows=request.POST.get("windows", ""),
            document=request.FILES.get("document"),
        )
        messages.success(request, _("已登记授权书"))
        return redirect("scanning:authorisation", project=obj.slug, authorisation_id=row.pk)
    rows = list(selectors.authorisation_list(actor=request.user, project=obj))
    return render(
        request,
        "scanning/authorisations.html",
        _ctx(request, obj, "authorisations", rows=rows, techniques=Technique.choices),
    )


def _authorisation(request: HttpRequest, project: str, authorisation_id: int) -> dict:
    obj = _project(request, project)
    row = selectors.authorisation_get(actor=request.user, project=obj, authorisation_id=authorisation_id)
    return {"obj": obj, "row": row}


@login_required
@action(load=_authorisation, methods=("GET", "POST"), back=_here)
def authorisation_detail(request: HttpRequest, obj, row) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.edit", obj)
        authorisation_services.authorisation_revoke(
            actor=request.user, authorisation=row, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已撤销授权书：此后不能再据此扫描"))
        return redirect(request.path)
    scans = selectors.scan_list(actor=request.user, project=obj).filter(authorisation=row)[:20]
    return render(
        request, "scanning/authorisation.html", _ctx(request, obj, "authorisations", row=row, scans=scans)
    )


@login_required
def authorisation_document(request: HttpRequest, project: str, authorisation_id: int) -> HttpResponse:
    obj = _project(request, project)
    row = selectors.authorisation_get(actor=request.user, project=obj, authorisation_id=authorisation_id)
    if not row.document:
        raise Http404("no document")
    return FileResponse(row.document.open("rb"), as_attachment=True, filename=row.document_name)


def _import_refused(request: HttpRequest, exc: ValidationError, obj) -> HttpResponse:
    return _imports_page(request, obj, error="；".join(exc.messages))


@login_required
@action(load=_loaded, methods=("GET", "POST"), invalid=_import_refused)
def imports(request: HttpRequest, obj) -> HttpResponse:
    result = error = None
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("请选择扫描报告文件"))
        path, hashed = uploads.spool(upload)
        try:
            result = import_services.import_scan(
                actor=request.user,
                project=obj,
                fmt=request.POST.get("format", "auto"),
                path=path,
                system=_system(obj, request.POST.get("system", "")),
                pentest=_pentest(request, obj),
                filename=hashed.name,
                sha256=hashed.sha256,
                covers=request.POST.get("covers", "")[:100_000],
            )
        except ImportFormatError as exc:
            error = str(exc)
        finally:
            path.unlink(missing_ok=True)
    return _imports_page(request, obj, result=result, error=error)


def _imports_page(request: HttpRequest, obj, *, result=None, error=None) -> HttpResponse:
    context = _ctx(
        request,
        obj,
        "imports",
        rows=selectors.import_list(actor=request.user, project=obj)[:50],
        formats=[(imp.format, imp.label) for imp in importers().values()],
        systems=obj.systems.order_by("code", "name"),
        pentests=selectors.pentest_list(actor=request.user, project=obj),
        result=result,
        summary=result.summary() if result is not None else None,
        error=error,
    )
    return render(request, "scanning/imports.html", context, status=400 if error else 200)


def _pentest(request: HttpRequest, project):
    value = request.POST.get("pentest", "")
    if not value.isdigit():
        return None
    return selectors.pentest_get(actor=request.user, project=project, pentest_id=int(value))


@login_required
def assets(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    changed = request.GET.get("changed") == "1"
    rows = list(selectors.asset_list(actor=request.user, project=obj, changed_only=changed)[:500])
    services = selectors.services_of(actor=request.user, project=obj, assets=rows)
    for row in rows:
        row.service_rows = services[row.pk]
    return render(request, "scanning/assets.html", _ctx(request, obj, "assets", rows=rows, changed=changed))


@login_required
@action(load=_loaded, methods=("GET", "POST"), back=_here)
def scans(request: HttpRequest, obj) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        auth_id = parse.integer(request.POST.get("authorisation", ""), _("授权书"))
        auth = (
            selectors.authorisation_get(actor=request.user, project=obj, authorisation_id=auth_id)
            if auth_id
            else None
        )
        scan = scan_services.scan_create(
            actor=request.user,
            project=obj,
            targets=request.POST.get("targets", ""),
            ports=request.POST.get("ports", ""),
            profile=request.POST.get("profile", "quick"),
            engine=request.POST.get("engine", "auto"),
            rate_limit=parse.integer(request.POST.get("rate_limit", ""), _("速率上限"), default=1000),
            repeat_days=parse.integer(request.POST.get("repeat_days", ""), _("重复间隔")),
            authorisation=auth,
            system=_system(obj, request.POST.get("system", "")),
            name=request.POST.get("name", ""),
            zone=request.POST.get("zone", ""),
        )
        if scan.status == Scan.Status.REFUSED:
            messages.error(request, _("扫描被拒绝：%(r)s") % {"r": scan.refused_reason})
        return redirect("scanning:scan", project=obj.slug, scan_id=scan.pk)
    plans = list(selectors.plan_list(actor=request.user, project=obj))
    for plan in plans:
        plan.service_label = SERVICE_NAMES.get(plan.service_kind, plan.service_kind)
    context = _ctx(
        request,
        obj,
        "scans",
        rows=selectors.scan_list(actor=request.user, project=obj).exclude(status=Scan.Status.PLANNED)[:50],
        plans=plans,
        valid=selectors.authorisations_valid(actor=request.user, project=obj),
        profiles=Scan.Profile.choices,
        engines=Scan.Engine.choices,
        systems=obj.systems.order_by("code", "name"),
    )
    return render(request, "scanning/scans.html", context)


def _scan(request: HttpRequest, project: str, scan_id: int) -> dict:
    obj = _project(request, project)
    return {"obj": obj, "scan": selectors.scan_get(actor=request.user, project=obj, scan_id=scan_id)}


@login_required
@action(load=_scan, methods=("GET", "POST"), back=_here)
def scan_detail(request: HttpRequest, obj, scan) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        scan_services.scan_cancel(actor=request.user, scan=scan)
        messages.success(
            request,
            _("已停止扫描计划")
            if scan.status == Scan.Status.CANCELLED and scan.service_kind
            else _("已请求取消扫描"),
        )
        return redirect(request.path)
    context = _ctx(request, obj, "scans", scan=scan)
    if request.headers.get("HX-Request"):
        return render(request, "scanning/_scan_progress.html", context)
    return render(request, "scanning/scan.html", context)


@login_required
@action(load=_allowed("project.edit"), back=back_to("scanning:scan", "project", "scan_id"))
def scan_retry(request: HttpRequest, obj, scan_id: int) -> HttpResponse:
    scan = selectors.scan_get(actor=request.user, project=obj, scan_id=scan_id)
    fresh = scan_services.scan_retry(actor=request.user, scan=scan)
    messages.success(request, _("已重新发起扫描"))
    return redirect("scanning:scan", project=obj.slug, scan_id=fresh.pk)


@login_required
@action(load=_loaded, methods=("GET", "POST"), back=_here)
def pentests(request: HttpRequest, obj) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        auth_id = parse.integer(request.POST.get("authorisation", ""), _("授权书"))
        if not auth_id:
            raise ValidationError(_("请选择授权书"))
        row = authorisation_services.pentest_create(
            actor=request.user,
            project=obj,
            authorisation=selectors.authorisation_get(
                actor=request.user, project=obj, authorisation_id=auth_id
            ),
            title=request.POST.get("title", ""),
            testers=request.POST.get("testers", ""),
            started_on=parse.required_date(request.POST.get("started_on", ""), _("开始日期")),
            ended_on=parse.date(request.POST.get("ended_on", ""), _("结束日期")),
            system=_system(obj, request.POST.get("system", "")),
            summary=request.POST.get("summary", ""),
        )
        return redirect("scanning:pentest", project=obj.slug, pentest_id=row.pk)
    context = _ctx(
        request,
        obj,
        "pentests",
        rows=selectors.pentest_list(actor=request.user, project=obj),
        valid=[
            a
            for a in selectors.authorisations_valid(actor=request.user, project=obj)
            if "pentest" in a.techniques
        ],
        systems=obj.systems.order_by("code", "name"),
    )
    return render(request, "scanning/pentests.html", context)


def _pentest_loaded(request: HttpRequest, project: str, pentest_id: int) -> dict:
    obj = _project(request, project)
    return {"obj": obj, "row": selectors.pentest_get(actor=request.user, project=obj, pentest_id=pentest_id)}


@login_required
@action(load=_pentest_loaded, methods=("GET", "POST"), back=_here)
def pentest_detail(request: HttpRequest, obj, row) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.record", obj)
        finding_services.finding_create(
            actor=request.user,
            project=obj,
            pentest=row,
            title=request.POST.get("title", ""),
            severity=request.POST.get("severity", ""),
            host=request.POST.get("host", ""),
            port=parse.integer(request.POST.get("port", ""), _("端口")),
            url=request.POST.get("url", ""),
            parameter=request.POST.get("parameter", ""),
            description=request.POST.get("description", ""),
            steps=request.POST.get("steps", ""),
            evidence=request.POST.get("evidence", ""),
            solution=request.POST.get("solution", ""),
            cve=request.POST.get("cve", ""),
            cvss_score=parse.number(request.POST.get("cvss", ""), "CVSS"),
            exploitable=bool(request.POST.get("exploitable")),
        )
        messages.success(request, _("已登记渗透测试发现"))
        return redirect(request.path)
    findings = row.findings.order_by("-id")
    return render(
        request,
        "scanning/pentest.html",
        _ctx(request, obj, "pentests", row=row, findings=findings, severities=Severity.choices),
    )
