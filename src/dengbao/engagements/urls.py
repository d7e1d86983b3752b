"""The engagement, under projects/<project>/engagement/."""

from django.urls import path

from . import inspection_views, record_views, scan_plan_views, views

app_name = "engagements"

P = "projects/<slug:project>/engagement/"

urlpatterns = [
    # on the scans page (its URL stays there): the contract's service calendar sets up scan plans
    path("projects/<slug:project>/scans/plans/", scan_plan_views.scan_plans, name="scan_plans"),
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
    # the recording forms
    path(P + "contract/line-items/", record_views.line_item_add, name="line_item_add"),
    path(
        P + "contract/line-items/<int:line_item_id>/delete/",
        record_views.line_item_delete,
        name="line_item_delete",
    ),
    path(
        P + "contract/payments/<int:milestone_id>/trigger/",
        record_views.milestone_trigger,
        name="milestone_trigger",
    ),
    path(P + "contract/payments/<int:milestone_id>/receipts/", record_views.receipt_add, name="receipt_add"),
    path(P + "contract/invoices/", record_views.invoice_add, name="invoice_add"),
    path(P + "services/trainings/", record_views.training_add, name="training_add"),
    path(
        P + "services/trainings/<int:training_id>/files/",
        record_views.training_file_add,
        name="training_file_add",
    ),
    path(
        P + "services/trainings/<int:training_id>/files/<int:file_id>/",
        record_views.training_file,
        name="training_file",
    ),
    path(P + "services/feedback/", record_views.feedback_add, name="feedback_add"),
    path(
        P + "services/feedback/<int:feedback_id>/handle/",
        record_views.feedback_handle,
        name="feedback_handle",
    ),
    # inspection and hardening
    path(P + "inspections/", inspection_views.inspection_list, name="inspections"),
    path(P + "inspections/templates/", inspection_views.template_list, name="inspection_templates"),
    path(P + "inspections/<int:visit_id>/", inspection_views.inspection_detail, name="inspection"),
    path(
        P + "inspections/<int:visit_id>/objects/<int:inspection_object_id>/",
        inspection_views.inspection_results,
        name="inspection_results",
    ),
    path(
        P + "inspections/<int:visit_id>/items/<int:inspection_item_id>/evidence/",
        inspection_views.evidence_add,
        name="inspection_evidence_add",
    ),
    path(
        P + "inspections/<int:visit_id>/evidence/<int:file_id>/",
        inspection_views.evidence_download,
        name="inspection_evidence",
    ),
    path(
        P + "inspections/<int:visit_id>/finish/", inspection_views.inspection_finish, name="inspection_finish"
    ),
    path(P + "hardening/", inspection_views.hardening_list, name="hardening"),
    path(P + "hardening/<int:hardening_id>/", inspection_views.hardening_action, name="hardening_action"),
]
