"""Error pages: a plain message in the user's language, never a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    400: _("请求无效。"),
    403: _("您没有权限执行此操作。"),
    404: _("页面不存在，或您无权查看。"),
    500: _("服务器内部错误，已记录。请稍后重试或联系管理员。"),
}


def _respond(request: HttpRequest, status: int) -> HttpResponse:
    message = str(MESSAGES[status])
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    try:
        body = render_to_string("web/error.html", {"status": status, "message": message}, request=request)
    except Exception:  # the error page itself must never fail
        body = f"<h1>{status}</h1><p>{message}</p>"
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _respond(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _respond(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _respond(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(request, 500)
