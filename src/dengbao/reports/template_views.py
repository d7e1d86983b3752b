"""The system administrator's page for replacing shipped document templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao.accounts import permissions

from . import selectors, services
from .documents import templates


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    uploaded = selectors.template_list(actor=request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        if upload is None:
            messages.error(request, _("请选择要上传的 .docx 文件。"))
        else:
            try:
                template = services.template_upload(
                    actor=request.user, kind=kind, filename=upload.name, content=upload.read()
                )
            except ValueError as exc:
                messages.error(request, str(exc))
            else:
                if template.problems:
                    messages.warning(request, _("模板已上传，但检查未通过：") + "；".join(template.problems))
                else:
                    messages.success(request, _("模板已上传并通过检查，可以启用。"))
        return redirect("templates:list")
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


@login_required
def template_activate(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(actor=request.user, template_id=template_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.template_activate(
            actor=request.user, template=template, active=request.POST.get("active") == "1"
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("templates:list")
