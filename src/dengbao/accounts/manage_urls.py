from django.urls import path

from . import manage_views as views

app_name = "manage"

urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/reset-password/", views.user_password_reset, name="user_password_reset"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/<slug:project>/members/", views.project_members, name="project_members"),
    path(
        "projects/<slug:project>/members/<int:user_id>/remove/",
        views.project_member_remove,
        name="project_member_remove",
    ),
]
