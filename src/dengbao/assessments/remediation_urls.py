"""The remediation plan, under projects/<project>/assessments/<assessment_id>/remediation/."""

from django.urls import path

from . import remediation_views as views

urlpatterns = [
    path("", views.remediation_plan, name="remediation_plan"),
    path("bulk/", views.remediation_bulk, name="remediation_bulk"),
    path("problems/<int:problem_id>/", views.remediation_problem, name="remediation_problem"),
    path("<int:task_id>/", views.remediation_task, name="remediation_task"),
    path("<int:task_id>/evidence/", views.remediation_evidence, name="remediation_evidence"),
    path("<int:task_id>/submit/", views.remediation_submit, name="remediation_submit"),
    path("<int:task_id>/verify/", views.remediation_verify, name="remediation_verify"),
]
