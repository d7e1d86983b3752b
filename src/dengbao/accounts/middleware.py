"""Two-factor enforcement: holders of the roles that need it must enrol and verify first."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from . import permissions

# Paths a signed-in but not yet verified user may still reach.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
            and any(permissions.roles_needing_two_factor(user))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "需要完成双因素认证。"}, status=403)
            return redirect("accounts:otp_verify")
        return self.get_response(request)
