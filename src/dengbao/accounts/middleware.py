"""Two-factor enforcement.

A signed-in session that has not passed the code step reaches nothing but the
sign-in pages: a user with a confirmed device is sent to enter a code, a user whose
role needs 2FA and who has no device is sent to enrol. The profile page (where API
tokens are made) is deliberately not exempt, or it would be a way around 2FA.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .auth import NextStep, second_factor_step

_OPEN_PREFIXES = ("/static/", "/i18n/")


@cache
def _open_paths() -> frozenset[str]:
    """The sign-in pages a session may use before its second factor is done."""
    names = ("accounts:login", "accounts:logout", "accounts:otp_verify", "accounts:otp_setup")
    return frozenset(reverse(name) for name in names)


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
            and request.path not in _open_paths()
        ):
            step = second_factor_step(user)
            if step is not NextStep.NONE:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("需要完成双因素认证。")}, status=403)
                target = reverse("accounts:otp_verify" if step is NextStep.VERIFY else "accounts:otp_setup")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
