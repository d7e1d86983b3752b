"""Vulnerability scanning pages, under projects/<project>/scanning/."""

from django.urls import path

from . import finding_views, views

app_name = "scanning"

P = "projects/<slug:project>/scanning/"

urlpatterns = [
    path(P, views.overview, name="overview"),
    path(P + "findings/", finding_views.finding_list, name="findings"),
    path(P + "findings/<int:finding_id>/", finding_views.finding_detail, name="finding"),
    path(P + "imports/", views.imports, name="imports"),
    path(P + "assets/", views.assets, name="assets"),
    path(P + "authorisations/", views.authorisations, name="authorisations"),
    path(P + "authorisations/<int:authorisation_id>/", views.authorisation_detail, name="authorisation"),
    path(
        P + "authorisations/<int:authorisation_id>/document/",
        views.authorisation_document,
        name="authorisation_document",
    ),
    path(P + "scans/", views.scans, name="scans"),
    path(P + "scans/<int:scan_id>/", views.scan_detail, name="scan"),
    path(P + "scans/<int:scan_id>/retry/", views.scan_retry, name="scan_retry"),
    path(P + "pentests/", views.pentests, name="pentests"),
    path(P + "pentests/<int:pentest_id>/", views.pentest_detail, name="pentest"),
    path(P + "sla/", views.sla_update, name="sla"),
]
