from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dengbao import __version__
from dengbao.accounts import permissions

from .navigation import PROJECT_MODULES


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"dengbao_version": __version__}
    return {
        "dengbao_version": __version__,
        "project_modules": PROJECT_MODULES,
        "can_read_audit": permissions.can(user, "audit.read"),
        "can_manage_users": permissions.can(user, "platform.manage_users"),
    }
