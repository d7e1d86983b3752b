from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("projects/<slug:project>/documents/", views.document_list, name="list"),
    path("projects/<slug:project>/documents/<int:document_id>/", views.document_download, name="download"),
]
