"""The documents page: generate (in the background), follow a job, preview, download, sign."""

from __future__ import annotations

import shutil

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, done
from dengbao.core.documents import preview
from dengbao.core.documents.builder import ConversionError, DocumentError

from . import documents, generation, selectors, services
from .documents.base import ASSESSMENT
from .documents.protection_plan_data import plan_required

PREVIEW_PAGES = 6


@login_required
def document_list(request: HttpRequest, project: str) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    internal = permissions.can(request.user, "project.view_internal", obj)
    context = {
        "project": obj,
        "documents": selectors.document_list(actor=request.user, project=obj),
        "active_module": "reports",
        "can_generate": internal,
        "can_sign": permissions.can(request.user, "project.review", obj),
        "can_release": permissions.can(request.user, "project.release_document", obj),
        "systems": obj.systems.order_by("code", "name") if internal else [],
        "protection_systems": (  # 保护工作方案: level 3 and above (1846号 Q23)
            [s for s in obj.systems.order_by("code", "name") if plan_required(s)] if internal else []
        ),
        "assessments": obj.assessments.order_by("name") if internal else [],
        "scan_imports": obj.scan_imports.order_by("-created_at")[:20] if internal else [],
        "plan_kinds": [
            (k.name, k.title) for k in documents.job_kinds().values() if k.params == (ASSESSMENT,)
        ],
        # kinds of the whole project (the bundle has its own form, saying what it holds)
        "project_kinds": [
            (k.name, k.title) for k in documents.job_kinds().values() if not k.params and k.name != "bundle"
        ],
        "jobs": selectors.job_list(actor=request.user, project=obj)[:5] if internal else [],
        "pdf_available": bool(shutil.which("soffice") or shutil.which("libreoffice")),
    }
    return render(request, "reports/document_list.html", context)


def _project(permission: str = "project.view_internal"):
    """An action's loader: the project, once the user may do ``permission`` there."""

    def load(request: HttpRequest, project: str, **rest) -> dict:
        return {
            "obj": account_selectors.project_get(actor=request.user, slug=project, action=permission),
            **rest,
        }

    return load


def _document(permission: str):
    """An action's loader: the project (``permission`` required) and one of its documents."""

    def load(request: HttpRequest, project: str, document_id: int) -> dict:
        obj = account_selectors.project_get(actor=request.user, slug=project, action=permission)
        return {
            "obj": obj,
            "document": selectors.document_get(actor=request.user, project=obj, document_id=document_id),
        }

    return load


def _to_list(request: HttpRequest, obj, **_loaded) -> HttpResponse:
    return redirect("reports:list", project=obj.slug)


@login_required
@action(load=_project(), back=_to_list, join="；")
def job_create(request: HttpRequest, obj) -> HttpResponse:
    kind = request.POST.get("kind", "")
    params = documents.kind(kind).job_params(request.POST) if kind in documents.job_kinds() else {}
    job = generation.job_start(actor=request.user, project=obj, kind=kind, params=params)
    return redirect("reports:job", project=obj.slug, job_id=job.pk)


@login_required
def job_detail(request: HttpRequest, project: str, job_id: int) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    job = selectors.job_get(actor=request.user, project=obj, job_id=job_id)
    label = generation.job_label(job.kind)
    context = {
        "project": obj,
        "job": job,
        "label": label,
        "active_module": "reports",
        "can_retry": permissions.can(request.user, "project.edit", obj),
    }
    if request.headers.get("HX-Request"):
        return render(request, "reports/_job_progress.html", context)
    return render(request, "reports/job.html", context)


def _job(request: HttpRequest, project: str, job_id: int) -> dict:
    """An action's loader: the project (``project.edit``) and one of its document jobs."""
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.edit")
    return {"obj": obj, "job": selectors.job_get(actor=request.user, project=obj, job_id=job_id)}


def _to_job(request: HttpRequest, obj, job) -> HttpResponse:
    return redirect("reports:job", project=obj.slug, job_id=job.pk)


@login_required
@action(load=_job, back=_to_job, join="；")
def job_retry(request: HttpRequest, obj, job) -> HttpResponse:
    fresh = generation.job_retry(actor=request.user, job=job)
    return done(request, _("已重新发起生成任务"), redirect("reports:job", project=obj.slug, job_id=fresh.pk))


@login_required
def document_download(request: HttpRequest, project: str, document_id: int) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    document = selectors.document_get(actor=request.user, project=obj, document_id=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)


def _pdf(request: HttpRequest, project: str, document_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    document = selectors.document_get(actor=request.user, project=obj, document_id=document_id)
    if not document.filename.endswith(".docx"):
        return obj, document, None, _("只有 Word 文档可以转换为 PDF。")
    try:
        return obj, document, services.document_pdf(actor=request.user, document=document), ""
    except (DocumentError, ConversionError) as exc:
        return obj, document, None, str(exc)


@login_required
def document_pdf(request: HttpRequest, project: str, document_id: int) -> HttpResponse:
    obj, document, pdf, error = _pdf(request, project, document_id)
    if pdf is None:
        messages.error(request, error)
        return redirect("reports:list", project=obj.slug)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = document.filename.rsplit(".", 1)[0] + ".pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


@login_required
def document_preview(request: HttpRequest, project: str, document_id: int) -> HttpResponse:
    obj, document, pdf, error = _pdf(request, project, document_id)
    pages = preview.page_count(pdf) if pdf else 0
    context = {
        "project": obj,
        "document": document,
        "error": error,
        "pages": pages,
        "shown": range(1, min(pages, PREVIEW_PAGES) + 1),
        "active_module": "reports",
    }
    return render(request, "reports/preview.html", context)


@login_required
def document_page(request: HttpRequest, project: str, document_id: int, page: int) -> HttpResponse:
    _obj, _document, pdf, error = _pdf(request, project, document_id)
    if pdf is None:
        return HttpResponse(error, status=409, content_type="text/plain; charset=utf-8")
    try:
        png = preview.page_png(pdf, page - 1)
    except preview.PreviewError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@action(load=_document("project.review"), back=_to_list, join="；")
def document_lock(request: HttpRequest, obj, document) -> HttpResponse:
    services.document_lock(actor=request.user, document=document)
    signed = {"name": document.filename, "version": document.version}
    return done(request, _("已签发 %(name)s v%(version)s") % signed, _to_list(request, obj))


@login_required
@action(load=_document("project.release_document"), back=_to_list, join="；")
def document_release(request: HttpRequest, obj, document) -> HttpResponse:
    services.document_release(actor=request.user, document=document)
    released = {"name": document.filename, "version": document.version}
    return done(request, _("已向被测单位发布 %(name)s v%(version)s") % released, _to_list(request, obj))


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
