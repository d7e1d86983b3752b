"""The engagement, under projects/<project>/engagement/."""

from django.urls import path

from . import views

app_name = "engagements"

P = "projects/<slug:project>/engagement/"

urlpatterns = [
    path(P, views.dashboard, name="dashboard"),
    path(P + "contract/", views.contract_detail, name="contract"),
    path(P + "contract/facts/", views.contract_fact, name="contract_fact"),
    path(P + "contract/phases/", views.phase_record, name="phase_record"),
    path(P + "contract/extensions/", views.extension_add, name="extension_add"),
    path(P + "contract/attachments/", views.attachments, name="attachments"),
    path(P + "contract/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path(P + "deliverables/", views.deliverable_list, name="deliverables"),
    path(
        P + "deliverables/<int:deliverable_id>/accept/", views.deliverable_accept, name="deliverable_accept"
    ),
    path(
        P + "deliverables/<int:deliverable_id>/deliver/",
        views.deliverable_deliver,
        name="deliverable_deliver",
    ),
    path(P + "services/", views.service_calendar, name="services"),
    path(P + "services/<int:occurrence_id>/done/", views.occurrence_done, name="occurrence_done"),
    path(P + "tickets/", views.ticket_list, name="tickets"),
    path(P + "tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
]
