"""Problems and the gap list, under projects/<project>/assessments/<assessment_id>/problems/."""

from django.urls import path

from . import problem_views as views

urlpatterns = [
    path("", views.problem_list, name="problem_list"),
    path("gap-list.xlsx", views.gap_list_xlsx, name="gap_list_xlsx"),
    path("sync/", views.problems_sync, name="problems_sync"),
    path("conditions/", views.problem_conditions, name="problem_conditions"),
    path("major-risks/", views.major_risks, name="major_risks"),
    path("<int:problem_id>/", views.problem_detail, name="problem_detail"),
    path("<int:problem_id>/case/", views.problem_case, name="problem_case"),
    path("<int:problem_id>/status/", views.problem_status, name="problem_status"),
]
