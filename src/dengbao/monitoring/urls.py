"""Website monitoring, under projects/<project>/monitoring/; the security administrator's outbound page
under security/outbound/."""

from django.urls import path

from . import admin_views, outbound_views, views

app_name = "monitoring"

P = "projects/<slug:project>/monitoring/"

urlpatterns = [
    path(P, views.status_wall, name="wall"),
    path(P + "new/", views.monitor_new, name="monitor_new"),
    path(P + "<int:monitor_id>/", views.monitor_detail, name="monitor"),
    path(P + "<int:monitor_id>/edit/", views.monitor_edit, name="monitor_edit"),
    path(P + "<int:monitor_id>/check/", views.monitor_check, name="monitor_check"),
    path(P + "<int:monitor_id>/delete/", views.monitor_delete, name="monitor_delete"),
    path(P + "<int:monitor_id>/baseline/", views.baseline, name="baseline"),
    path(P + "incidents/<int:incident_id>/snapshot/", views.incident_snapshot, name="incident_snapshot"),
    path(P + "report/", views.availability, name="availability"),
    path(P + "hosts/", admin_views.hosts, name="hosts"),
    path(P + "hosts/<int:host_id>/delete/", admin_views.host_delete, name="host_delete"),
    path(P + "channels/", admin_views.channels, name="channels"),
    path(P + "channels/<int:channel_id>/", admin_views.channel_edit, name="channel"),
    path(P + "channels/<int:channel_id>/test/", admin_views.channel_test, name="channel_test"),
    path(P + "channels/<int:channel_id>/delete/", admin_views.channel_delete, name="channel_delete"),
    path(P + "rules/", admin_views.rules, name="rules"),
    path(P + "rules/<int:rule_id>/", admin_views.rule_edit, name="rule"),
    path(P + "rules/<int:rule_id>/delete/", admin_views.rule_delete, name="rule_delete"),
    path(P + "wordlists/", admin_views.wordlists, name="wordlists"),
    # the security administrator's: which internal addresses outbound requests may reach
    path("security/outbound/", outbound_views.outbound, name="outbound"),
    path(
        "security/outbound/hosts/<int:private_host_id>/delete/",
        outbound_views.private_host_delete,
        name="outbound_private_host_delete",
    ),
    path(
        "security/outbound/channels/<int:channel_id>/private/",
        outbound_views.channel_private,
        name="outbound_channel_private",
    ),
]
