from django.urls import path

from . import filing_views, views

app_name = "reports"

urlpatterns = [
    path("projects/<slug:project>/documents/", views.document_list, name="list"),
    path("projects/<slug:project>/documents/generate/", views.job_create, name="generate"),
    path("projects/<slug:project>/documents/jobs/<int:job_id>/", views.job_detail, name="job"),
    path("projects/<slug:project>/documents/jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("projects/<slug:project>/documents/<int:document_id>/", views.document_download, name="download"),
    path("projects/<slug:project>/documents/<int:document_id>/pdf/", views.document_pdf, name="pdf"),
    path(
        "projects/<slug:project>/documents/<int:document_id>/preview/", views.document_preview, name="preview"
    ),
    path(
        "projects/<slug:project>/documents/<int:document_id>/pages/<int:page>.png",
        views.document_page,
        name="page",
    ),
    path("projects/<slug:project>/documents/<int:document_id>/sign/", views.document_lock, name="sign"),
    path(
        "projects/<slug:project>/documents/<int:document_id>/release/",
        views.document_release,
        name="release",
    ),
    # a system's 定级报告 / 备案表, made from the systems pages
    path(
        "projects/<slug:project>/systems/<int:system_id>/documents/<slug:kind>/",
        filing_views.system_document,
        name="system_document",
    ),
    path(
        "projects/<slug:project>/systems/documents.zip",
        filing_views.system_documents_zip,
        name="system_documents_zip",
    ),
]
