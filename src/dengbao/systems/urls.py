from django.urls import path

from . import views

app_name = "systems"

urlpatterns = [
    path("projects/<slug:project>/systems/", views.system_list, name="list"),
    path("projects/<slug:project>/unit/", views.unit_profile, name="unit_profile"),
    path("projects/<slug:project>/systems/<int:system_id>/", views.system_detail, name="detail"),
    path("projects/<slug:project>/systems/<int:system_id>/edit/", views.system_edit, name="edit"),
    path("projects/<slug:project>/systems/<int:system_id>/data/", views.data_category_add, name="data_add"),
    path("projects/<slug:project>/systems/<int:system_id>/topology/", views.topology_upload, name="topology"),
    path("projects/<slug:project>/systems/<int:system_id>/grading/", views.grading_edit, name="grading"),
    path(
        "projects/<slug:project>/systems/<int:system_id>/grading/<int:grading_id>/<slug:step>/",
        views.grading_step,
        name="grading_step",
    ),
    path("projects/<slug:project>/systems/<int:system_id>/filing/", views.filing_save, name="filing"),
]
