"""Pages of the shell: the project list and a project's dashboard. Thin: selectors do the reading."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dengbao.accounts import permissions, selectors
from dengbao.assessments import selectors as assessment_selectors
from dengbao.engagements import selectors as engagement_selectors
from dengbao.systems import selectors as system_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:project_list")


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.project_list(actor=request.user)
    return render(request, "web/project_list.html", {"projects": projects})


@login_required
def project_dashboard(request: HttpRequest, project: str) -> HttpResponse:
    obj = selectors.project_get(actor=request.user, slug=project)
    context = {
        "project": obj,
        "role": permissions.project_role(request.user, obj),
        "members": selectors.project_members(actor=request.user, project=obj),
        "rows": system_selectors.system_rows(actor=request.user, project=obj),
        "assessments": assessment_selectors.project_summaries(actor=request.user, project=obj),
        "urgent_tickets": engagement_selectors.urgent_tickets(actor=request.user, project=obj),
        "active_module": "dashboard",
    }
    return render(request, "web/project_dashboard.html", context)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie, redirect); a signed-in user's choice is kept on the account too."""
    from django.conf import settings
    from django.views.i18n import set_language as switch

    from dengbao.accounts import services as account_services

    response = switch(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and language in {code for code, _name in settings.LANGUAGES}:
        account_services.user_language_set(actor=request.user, language=language)
    return response
