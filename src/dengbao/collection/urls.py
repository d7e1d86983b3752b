from django.urls import path

from . import ocr_views, views

app_name = "collection"

P = "projects/<slug:project>/assessments/<int:assessment_id>/collection/"

urlpatterns = [
    path(P, views.proposals_page, name="proposals"),
    path(P + "upload/", views.bundles_upload, name="upload"),
    path(P + "accept/", views.proposals_accept, name="accept"),
    path(P + "proposals/<int:proposal_id>/reject/", views.proposal_reject, name="reject"),
    path(P + "script/linux/", views.script_download, name="script"),
    path(P + "script/db/<str:platform>/", views.db_script_download, name="db_script"),
    path(P + "script/windows/", views.script_download_windows, name="script_windows"),
    path(P + "screenshots/", ocr_views.screenshots_propose, name="screenshots"),
]
