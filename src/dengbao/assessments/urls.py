from django.urls import include, path

from . import views

app_name = "assessments"

P = "projects/<slug:project>/assessments/"

urlpatterns = [
    path(P, views.assessment_list, name="list"),
    path(P + "<int:assessment_id>/", views.assessment_detail, name="detail"),
    path(P + "<int:assessment_id>/objects/<int:object_id>/", views.checklist, name="checklist"),
    path(P + "<int:assessment_id>/results/<int:record_id>/", views.result_save, name="result_save"),
    path(
        P + "<int:assessment_id>/results/<int:record_id>/review/", views.result_review, name="result_review"
    ),
    path(P + "<int:assessment_id>/score/", views.live_score, name="live_score"),
    path(P + "<int:assessment_id>/adjustments/", views.adjustment_add, name="adjustment_add"),
    path(P + "<int:assessment_id>/results/<int:record_id>/phrase/", views.phrase_add, name="phrase_add"),
    path(
        P + "<int:assessment_id>/results/<int:record_id>/evidence/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path(P + "<int:assessment_id>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence_file"),
    path(P + "<int:assessment_id>/objects/import/", views.objects_import, name="objects_import"),
    path(P + "<int:assessment_id>/objects/<int:object_id>/copy/", views.results_copy, name="results_copy"),
    path(P + "<int:assessment_id>/rounds/<slug:action>/", views.round_action, name="round_action"),
    path(P + "<int:assessment_id>/rounds/<int:number>/diff/", views.round_diff, name="round_diff"),
    path(P + "<int:assessment_id>/excel/", include("dengbao.assessments.excel_urls")),
    path(P + "<int:assessment_id>/problems/", include("dengbao.assessments.problem_urls")),
    path(P + "<int:assessment_id>/remediation/", include("dengbao.assessments.remediation_urls")),
]
