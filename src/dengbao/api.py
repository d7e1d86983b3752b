"""The REST API under /api/, assembled from each app's router. OpenAPI docs at /api/docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from dengbao import __version__
from dengbao.accounts.tokens import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        user = token_authenticate(key or "")
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="dengbao API",
    version=__version__,
    description="网络安全等级保护 2.0 平台接口。认证：会话（浏览器）或 `Authorization: Bearer <令牌>`。",
    auth=[BearerToken(), HeaderToken(), django_auth],
    urls_namespace="api",
    docs_decorator=login_required,
)

from dengbao.accounts.api import router as accounts_router  # noqa: E402
from dengbao.assessments.api import router as assessments_router  # noqa: E402
from dengbao.catalogue.api import router as catalogue_router  # noqa: E402
from dengbao.engagements.api import router as engagements_router  # noqa: E402
from dengbao.monitoring.api import router as monitoring_router  # noqa: E402
from dengbao.reports.api import router as reports_router  # noqa: E402
from dengbao.scanning.api import router as scanning_router  # noqa: E402
from dengbao.systems.api import router as systems_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/", systems_router)
api.add_router("/", catalogue_router)
api.add_router("/", monitoring_router)
api.add_router("/", assessments_router)
api.add_router("/", scanning_router)
api.add_router("/", engagements_router)
api.add_router("/", reports_router)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception):
    return api.create_response(request, {"detail": "您没有权限执行此操作。"}, status=403)
