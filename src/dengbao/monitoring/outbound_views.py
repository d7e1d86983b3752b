"""The security administrator's page for outbound requests: private hosts per project and zone,
and alert channels allowed to reach a private receiver (outbound_services decides)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts.models import Project
from dengbao.actions import action, reported

from . import outbound_services, zones

PAGE = "monitoring:outbound"


def _admin(request: HttpRequest, **url_kwargs) -> dict:
    """An action's loader: nothing to load, but only the security administrator may go on."""
    permissions.require(request.user, outbound_services.ACTION)
    return url_kwargs


def _to_page(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(PAGE)


def _page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/outbound.html",
        {
            "rows": outbound_services.private_hosts(actor=request.user),
            "waiting": outbound_services.waiting(actor=request.user),
            "channels": outbound_services.channels(actor=request.user),
            "projects": outbound_services.projects(actor=request.user),
            "zones": zones.private_zones().values(),
            "local_zones": sorted(zones.local_zones()),
            "allowance": zones.outbound_allowance(),
            "form": request.POST or None,
        },
    )


@login_required
@action(load=_admin, methods=("GET", "POST"), invalid=reported(_page))
def outbound(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        project = Project.objects.filter(pk=parse.optional_int(request.POST.get("project"))).first()
        if project is None:
            raise ValidationError(_("请选择项目"))
        row = outbound_services.private_host_add(
            actor=request.user,
            project=project,
            zone=request.POST.get("zone", ""),
            host=request.POST.get("host", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已批准“%(h)s”访问内网地址") % {"h": row.host})
        return redirect(PAGE)
    return _page(request)


@login_required
@action(load=_admin, back=_to_page)
def private_host_delete(request: HttpRequest, private_host_id: int) -> HttpResponse:
    row = outbound_services.private_host_get(actor=request.user, row_id=private_host_id)
    outbound_services.private_host_remove(actor=request.user, row=row)
    messages.success(request, _("已撤销“%(h)s”访问内网地址的批准") % {"h": row.host})
    return redirect(PAGE)


@login_required
@action(load=_admin, back=_to_page)
def channel_private(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = outbound_services.channel_get(actor=request.user, channel_id=channel_id)
    allow = request.POST.get("allow") == "1"
    outbound_services.channel_private_set(actor=request.user, channel=channel, allow=allow)
    if allow:
        messages.success(request, _("已允许通道“%(n)s”发送到内网地址") % {"n": channel.name})
    else:
        messages.success(request, _("已撤销通道“%(n)s”发送到内网地址的许可") % {"n": channel.name})
    return redirect(PAGE)
