from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a reverse proxy, DENGBAO_TRUSTED_PROXY_HEADER names the header it sets."""
    from django.conf import settings

    header = getattr(settings, "DENGBAO_TRUSTED_PROXY_HEADER", "")
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_origin(context.Origin(ip=client_ip(request), channel=channel))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
