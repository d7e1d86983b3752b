"""URL map. Every project-scoped route takes the project's slug as the ``project`` argument,
so the authorisation-matrix test finds and walks it automatically."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from .api import api
from .web import views as web_views


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico before they read a page's icon link."""
    return HttpResponsePermanentRedirect(static("dengbao/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("", include("dengbao.web.urls")),
    path("", include("dengbao.systems.urls")),
    path("", include("dengbao.reports.urls")),
    path("", include("dengbao.assessments.urls")),
    path("", include("dengbao.engagements.urls")),
    path("", include("dengbao.scanning.urls")),
    path("", include("dengbao.monitoring.urls")),
    path("", include("dengbao.collection.urls")),
    path("accounts/", include("dengbao.accounts.urls")),
    path("audit/", include("dengbao.accounts.audit_urls")),
    path("notifications/", include("dengbao.inbox.urls")),
    path("manage/templates/", include("dengbao.reports.template_urls")),
    path("manage/", include("dengbao.accounts.manage_urls")),
    path("catalogue/", include("dengbao.catalogue.urls")),
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
]

handler400 = "dengbao.web.errors.bad_request"
handler403 = "dengbao.web.errors.permission_denied"
handler404 = "dengbao.web.errors.page_not_found"
handler500 = "dengbao.web.errors.server_error"
