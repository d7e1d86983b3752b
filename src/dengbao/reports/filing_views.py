"""A system's 定级报告 and 备案表 from its page, and every system's as one zip (moved from
systems.views: making a document is the reports app's, which sits above systems)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect

from dengbao.accounts import selectors as account_selectors
from dengbao.systems import selectors as system_selectors

from .documents import DocumentNotReady, document_make
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


@login_required
def system_document(request: HttpRequest, project: str, system_id: int, kind: str) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    system = system_selectors.system_get(actor=request.user, project=obj, system_id=system_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if kind not in SYSTEM_DOCUMENTS:
        return HttpResponse(status=404)
    name, args = SYSTEM_DOCUMENTS[kind]
    try:
        made = document_make(actor=request.user, project=obj, kind=name, system=system, **args)
    except DocumentNotReady as exc:
        messages.error(request, exc.messages[0])
        return redirect("systems:detail", project=obj.slug, system_id=system.pk)
    return _download(made.content, made.document.filename, DOCX)


@login_required
def system_documents_zip(request: HttpRequest, project: str) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    content, problems = make_all(actor=request.user, project=obj)
    for problem in problems[:10]:
        messages.warning(request, problem)
    return _download(content, f"{obj.slug}-定级备案文档.zip", "application/zip")
