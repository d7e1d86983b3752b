"""Security headers on every answer: CSP, no caching of client data, feature and referrer policy.

The Content-Security-Policy allows no inline script or style (``unsafe-inline``): pages load
their JavaScript and CSS from static files (tests/security/test_headers.py scans the templates).
Everything but static files may hold a client's data — pages, downloads, API answers — so it
is never stored by a browser or a shared cache (``Cache-Control: no-store``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # ECharts and Swagger UI draw small icons as data: URLs
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth",
        "magnetometer", "gyroscope", "accelerometer", "display-capture",
    )
)  # fmt: skip


class SecurityHeadersMiddleware:
    """First in the chain, so static files (whitenoise) and error pages get the headers too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        own = response.headers.get("Content-Security-Policy")
        response.headers["Content-Security-Policy"] = _with_defaults(own) if own else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if not request.path.startswith(self.static_prefix):
            if "no-store" not in response.headers.get("Cache-Control", ""):
                response.headers["Cache-Control"] = "no-store"
        return response


# Directives that do not fall back to default-src: added to a view's own (stricter) policy.
_NO_FALLBACK = {"frame-ancestors": "'none'", "base-uri": "'none'", "form-action": "'self'"}


def _with_defaults(policy: str) -> str:
    """A view's own policy (e.g. a sandboxed snapshot), with the directives default-src does not cover."""
    named = {part.split()[0] for part in policy.split(";") if part.strip()}
    extra = [f"{name} {value}" for name, value in _NO_FALLBACK.items() if name not in named]
    return "; ".join([policy.rstrip("; "), *extra])
