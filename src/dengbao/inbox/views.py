"""The notification list: unread first, mark one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def notice_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wanted = request.POST.get("notice", "")
        ids = [int(wanted)] if wanted.isdigit() else None  # one notice, or all unread
        count = services.mark_read(actor=request.user, notice_ids=ids)
        if ids is None:
            messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": count})
        return redirect("inbox:list")
    return render(request, "inbox/list.html", {"notices": selectors.notice_list(actor=request.user)})
