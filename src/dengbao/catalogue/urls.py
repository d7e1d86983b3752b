from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("compare/", views.compare, name="compare"),
    path("high-risk/", views.high_risk, name="high_risk"),
    path("export/", views.export, name="export"),
    path("wording/", views.wording, name="wording"),
    path("<str:unit_id>/", views.unit_detail, name="unit_detail"),
]
