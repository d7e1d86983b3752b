from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


class UploadLimitMiddleware:
    """Refuse a declared Content-Length over DENGBAO_MAX_UPLOAD_MB inside Django.

    The limit that holds while a body is read (chunked bodies too, and the smaller limit
    before signing in) is ``dengbao.web.body_limit.BodyLimit`` in front of Django in
    ``dengbao.asgi``; this is the second fence, for Django's own test client and WSGI.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DENGBAO_MAX_UPLOAD_BYTES
        if length > limit:
            message = _("上传内容过大：%(size).1f MB，上限为 %(limit)d MB。") % {
                "size": length / 1048576,
                "limit": settings.DENGBAO_MAX_UPLOAD_MB,
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            response = TemplateResponse(
                request, "web/error.html", {"status": 413, "message": message}, status=413
            )
            return response.render()
        return self.get_response(request)


class LanguageMiddleware:
    """zh-Hans unless the user chose another language: the language cookie set by /i18n/setlang/,
    else (a browser without the cookie) the language kept on the signed-in user's account.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not consulted: the
    platform's documents and terms are Chinese first, whatever the browser's locale.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        if chosen not in available:
            user = getattr(request, "user", None)
            chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()  # the thread serves other work next; leave no language behind
        response.headers.setdefault("Content-Language", language)
        return response
