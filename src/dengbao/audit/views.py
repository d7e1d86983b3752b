from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dengbao.accounts import permissions

from .models import AuditEvent


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "audit.read")
    return render(request, "audit/event_list.html", {"events": AuditEvent.objects.order_by("-seq")[:200]})
