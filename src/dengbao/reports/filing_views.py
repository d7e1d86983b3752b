"""A system's 定级报告 and 备案表 from its page, and every system's as one zip (moved from
systems.views: making a document is the reports app's, which sits above systems)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action
from dengbao.systems import selectors as system_selectors

from .documents import document_make
from .filing_documents import make_all

# the URL's slug -> (kind, its arguments)
SYSTEM_DOCUMENTS = {
    "grading-report": ("grading_report", {}),
    "filing-form": ("filing_form", {"layout": "2025"}),
    "filing-form-legacy": ("filing_form", {"layout": "legacy"}),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _system(request: HttpRequest, project: str, system_id: int, **rest) -> dict:
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    return {
        "obj": obj,
        "system": system_selectors.system_get(actor=request.user, project=obj, system_id=system_id),
        **rest,
    }


def _to_system(request: HttpRequest, obj, system, **_rest) -> HttpResponse:
    return redirect("systems:detail", project=obj.slug, system_id=system.pk)


@login_required
@action(load=_system, back=_to_system, limit=1)
def system_document(request: HttpRequest, obj, system, kind: str) -> HttpResponse:
    if kind not in SYSTEM_DOCUMENTS:
        return HttpResponse(status=404)
    name, args = SYSTEM_DOCUMENTS[kind]
    made = document_make(actor=request.user, project=obj, kind=name, system=system, **args)  # not ready: back
    return _download(made.content, made.document.filename, DOCX)


def _project(request: HttpRequest, project: str) -> dict:
    return {
        "obj": account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    }


@login_required
@action(load=_project)
def system_documents_zip(request: HttpRequest, obj) -> HttpResponse:
    content, problems = make_all(actor=request.user, project=obj)
    for problem in problems[:10]:
        messages.warning(request, problem)
    return _download(content, f"{obj.slug}-定级备案文档.zip", "application/zip")
