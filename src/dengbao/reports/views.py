from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from dengbao.accounts import selectors as account_selectors

from . import selectors


@login_required
def document_list(request: HttpRequest, project: str) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    documents = selectors.document_list(actor=request.user, project=obj)
    return render(
        request,
        "reports/document_list.html",
        {"project": obj, "documents": documents, "active_module": "reports"},
    )


@login_required
def document_download(request: HttpRequest, project: str, document_id: int) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project)
    document = selectors.document_get(actor=request.user, project=obj, document_id=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)
