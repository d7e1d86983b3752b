from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dengbao import __version__
from dengbao.accounts import permissions
from dengbao.inbox import selectors as inbox_selectors

from .navigation import PROJECT_MODULES


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"dengbao_version": __version__}
    return {
        "dengbao_version": __version__,
        "project_modules": _modules(request),
        "can_read_audit": permissions.can(user, "audit.read"),
        "can_manage_users": permissions.can(user, "platform.manage_users"),
        "can_list_projects": permissions.can(user, "platform.list_projects"),
        "can_manage_templates": permissions.can(user, "documents.manage_templates"),
        "can_security": permissions.can(user, "platform.security"),
        "can_manage_wording": permissions.can(user, "catalogue.manage_wording"),
        # nothing of the inbox before the second factor (the 2FA page has the top bar too)
        "unread_notices": inbox_selectors.unread_count(user) if _verified(user) else 0,
    }


def _verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's middleware
    return bool(is_verified()) if callable(is_verified) else False


def _modules(request: HttpRequest) -> list:
    """The project's modules this user may open; empty outside a project."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("project") if match else None
    if not slug:
        return []
    from dengbao.accounts.models import Project

    project = Project.objects.filter(slug=slug).first()
    if project is None or permissions.project_role(request.user, project) is None:
        return []
    return [m for m in PROJECT_MODULES if permissions.can(request.user, m.action, project)]
