"""Pages of the offline Excel round trip: export, upload → preview, confirm."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action

from . import excel, selectors, services
from .views import _ctx


def _assessment(permission: str):
    """An action's loader: the project and the assessment, both asking for ``permission``."""

    def load(request: HttpRequest, project: str, assessment_id: int) -> dict:
        obj = account_selectors.project_get(actor=request.user, slug=project, action=permission)
        assessment = selectors.assessment_get(
            actor=request.user, project=obj, assessment_id=assessment_id, action=permission
        )
        return {"obj": obj, "assessment": assessment}

    return load


@login_required
@action(load=_assessment("project.view_internal"), methods=("GET",))
def excel_export(request: HttpRequest, obj, assessment) -> HttpResponse:
    """The current round's checklist as .xlsx: one object (``?object=<id>``) or all of them."""
    raw = request.GET.get("object", "")
    if raw and not raw.isdigit():
        raise Http404("object not found")
    filename, content = excel.checklist_export(
        actor=request.user, assessment=assessment, object_id=int(raw) if raw else None
    )
    response = HttpResponse(content, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def _import_page(request: HttpRequest, obj, assessment, *, problems=(), conflicts=(), status=200):
    rnd = services.current_round(assessment)
    context = _ctx(
        request,
        obj,
        assessment=assessment,
        round=rnd,
        objects=selectors.object_progress(actor=request.user, assessment=assessment, rnd=rnd),
        problems=list(problems),
        conflicts=list(conflicts),
        max_mb=settings.DENGBAO_MAX_UPLOAD_MB,
    )
    return render(request, "assessments/excel_import.html", context, status=status)


def _import_refused(request: HttpRequest, exc: ValidationError, obj, assessment) -> HttpResponse:
    """The upload page again: a stale preview's conflicts (409) or the file's problems (400)."""
    if isinstance(exc, services.ConflictError):
        return _import_page(request, obj, assessment, conflicts=exc.messages, status=409)
    return _import_page(request, obj, assessment, problems=exc.messages, status=400)


@login_required
@action(load=_assessment("project.record"), methods=("GET", "POST"), invalid=_import_refused)
def excel_import(request: HttpRequest, obj, assessment) -> HttpResponse:
    """GET: export links and the upload form. POST: read the file and show what it would change."""
    if request.method == "GET":
        return _import_page(request, obj, assessment)
    # A body over DENGBAO_MAX_UPLOAD_BYTES never gets here: UploadLimitMiddleware answers 413.
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, obj, assessment, problems=[_("请选择要导入的 .xlsx 文件")], status=400)
    preview = excel.import_preview(
        actor=request.user,
        assessment=assessment,
        stream=upload.file,
        filename=upload.name or "upload.xlsx",
        size=upload.size,
    )
    context = _ctx(
        request, obj, assessment=assessment, round=services.current_round(assessment), preview=preview
    )
    return render(request, "assessments/excel_preview.html", context)


@login_required
@action(load=_assessment("project.record"), invalid=_import_refused)
def excel_confirm(request: HttpRequest, obj, assessment) -> HttpResponse:
    """Apply a previewed import in one transaction, or drop it (``cancel``)."""
    token = request.POST.get("token", "")
    if request.POST.get("cancel"):
        excel.import_cancel(actor=request.user, assessment=assessment, token=token)
        messages.info(request, _("已取消导入，未做任何修改。"))
        return redirect("assessments:excel_import", project=obj.slug, assessment_id=assessment.pk)
    count = excel.import_confirm(actor=request.user, assessment=assessment, token=token)
    messages.success(request, _("已从 Excel 导入 %(n)d 项测评结果。") % {"n": count})
    return redirect("assessments:detail", project=obj.slug, assessment_id=assessment.pk)
