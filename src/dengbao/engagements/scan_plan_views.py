"""The scans page's 按合同服务日历生成扫描计划: the engagement's calendar sets up the scanner's plans."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, back_to

from . import scan_plans as plans_service


def _editable(request: HttpRequest, project: str) -> dict:
    return {"obj": account_selectors.project_get(actor=request.user, slug=project, action="project.edit")}


@login_required
@action(load=_editable, back=back_to("scanning:scans", "project"))
def scan_plans(request: HttpRequest, obj) -> HttpResponse:
    """POST: the scan plans of the contract's service calendar (created once)."""
    plans = plans_service.scan_plans_from_engagement(actor=request.user, project=obj)
    for plan in plans:
        messages.success(
            request,
            _("扫描计划“%(name)s”：下次执行 %(at)s，每 %(days)s 天一次")
            % {
                "name": plan.name,
                "at": timezone.localtime(plan.next_run_at).strftime("%Y-%m-%d %H:%M"),
                "days": plan.repeat_days,
            },
        )
    return redirect("scanning:scans", project=obj.slug)
