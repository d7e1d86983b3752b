"""The system administrator's page for replacing shipped document templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao.accounts import permissions
from dengbao.actions import action

from . import selectors, services
from .documents import templates


def _templates_page(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect("templates:list")


@login_required
@action(methods=("GET", "POST"), back=_templates_page, join="；")
def template_list(request: HttpRequest) -> HttpResponse:
    uploaded = selectors.template_list(actor=request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的 .docx 文件。"))
            return _templates_page(request)
        template = services.template_upload(
            actor=request.user, kind=request.POST.get("kind", ""), filename=upload.name, content=upload.read()
        )
        if template.problems:
            messages.warning(request, _("模板已上传，但检查未通过：") + "；".join(template.problems))
        else:
            messages.success(request, _("模板已上传并通过检查，可以启用。"))
        return _templates_page(request)
    kinds = [(key, spec.label, [t for t in uploaded if t.kind == key]) for key, spec in templates().items()]
    return render(request, "reports/templates.html", {"kinds": kinds})


@login_required
def template_default(request: HttpRequest, kind: str) -> HttpResponse:
    """The shipped template, to edit in Word and upload again."""
    permissions.require(request.user, "documents.manage_templates")
    if kind not in templates():
        return HttpResponse(status=404)
    path = templates()[kind].default
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def _template(request: HttpRequest, template_id: int) -> dict:
    return {"template": selectors.template_get(actor=request.user, template_id=template_id)}


@login_required
@action(load=_template, back=_templates_page, join="；")
def template_activate(request: HttpRequest, template) -> HttpResponse:
    services.template_activate(
        actor=request.user, template=template, active=request.POST.get("active") == "1"
    )
    return _templates_page(request)
