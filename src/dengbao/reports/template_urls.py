from django.urls import path

from . import template_views as views

app_name = "templates"

urlpatterns = [
    path("", views.template_list, name="list"),
    path("default/<slug:kind>/", views.template_default, name="default"),
    path("<int:template_id>/activate/", views.template_activate, name="activate"),
]
