"""Routes of the offline Excel round trip, under ``…/assessments/<assessment_id>/excel/``."""

from django.urls import path

from . import excel_views

urlpatterns = [
    path("", excel_views.excel_export, name="excel_export"),
    path("import/", excel_views.excel_import, name="excel_import"),
    path("import/confirm/", excel_views.excel_confirm, name="excel_confirm"),
]
