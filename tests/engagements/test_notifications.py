"""SLA notifications: recorded once per clock state change, sent on the project's channels (a
real webhook receiver on loopback), only recorded when no channel is configured; the
emergency-response record for documents."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from dengbao.audit.models import AuditEvent
from dengbao.core.monitor import notify
from dengbao.engagements import jobs, notification_services, record_selectors, record_services, year_services
from dengbao.engagements.followup_models import SlaNotification
from dengbao.tasks import registered_jobs

from . import factories

RECEIVED: list[dict] = []
RECEIVER: dict[str, str] = {}


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RECEIVED.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def loopback_channels(project):
    """The test's channel provider (``DENGBAO_NOTIFY_CHANNELS``): one webhook on loopback."""
    policy = notify.TargetPolicy.build(networks=["127.0.0.1/32"])  # loopback only when listed
    return [(notify.WebhookChannel(RECEIVER["url"], secret="s3cret"), policy)]


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RECEIVED.clear()
    RECEIVER["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield RECEIVED
    server.shutdown()
    server.server_close()


@pytest.fixture
def contract(world_a):
    return factories.contract(world_a)


OPENED = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


def _ticket(world, contract, **extra):
    return year_services.ticket_open(
        actor=world.members["client"], contract=contract, title="HIS 无法登录", kind="fault",
        priority="P1", source="phone", at=OPENED, **extra,
    )  # fmt: skip


def test_the_job_is_registered():
    assert "engagements.sla_notifications" in registered_jobs()
    assert registered_jobs()["engagements.sla_notifications"].func is jobs.sla_notifications


def test_each_state_change_is_recorded_once_without_a_channel(world_a, contract, settings):
    settings.DENGBAO_NOTIFY_CHANNELS = ""
    ticket = _ticket(world_a, contract)
    at = lambda minutes: OPENED + dt.timedelta(minutes=minutes)  # noqa: E731
    assert notification_services.sla_scan(now=at(30)) == []  # 30 of 60 minutes left: running
    (warning,) = notification_services.sla_scan(now=at(50))  # 10 left: warning
    assert (warning.clock, warning.state, warning.deliveries) == ("response", "warning", [])
    assert notification_services.sla_scan(now=at(55)) == []  # still warning: nothing new
    (breach,) = notification_services.sla_scan(now=at(75))
    assert (breach.state, breach.breached_at, breach.elapsed_seconds) == ("breached", at(60), 75 * 60)
    assert "已超时" in breach.message and "#1 HIS 无法登录" in breach.message
    assert notification_services.sla_scan(now=at(200)) == []
    assert list(ticket.sla_notifications.values_list("clock", "state")) == [
        ("response", "warning"), ("response", "breached"),
    ]  # fmt: skip
    audited = AuditEvent.objects.filter(action="ticket.sla_notification", project_id=world_a.project.pk)
    assert [e.details["state"] for e in audited] == ["warning", "breached"]
    assert not AuditEvent.objects.filter(action="ticket.sla_delivery").exists()
    page = _manager_page(world_a, ticket)
    assert "已记录（未配置通知渠道）" in page


def _manager_page(world, ticket):
    from tests.conftest import verified_client

    return (
        verified_client(world.members["manager"])
        .get(f"/projects/{world.project.slug}/engagement/tickets/{ticket.pk}/")
        .content.decode()
    )


def test_pauses_and_closed_tickets_do_not_notify(world_a, contract, settings):
    settings.DENGBAO_NOTIFY_CHANNELS = ""
    ticket = _ticket(world_a, contract)
    assessor = world_a.members["assessor"]
    year_services.ticket_event(
        actor=assessor, ticket=ticket, kind="waiting_client", at=OPENED + dt.timedelta(minutes=10)
    )
    assert notification_services.sla_scan(now=OPENED + dt.timedelta(hours=5)) == []  # paused at 10 minutes
    year_services.ticket_event(
        actor=assessor, ticket=ticket, kind="resumed", at=OPENED + dt.timedelta(hours=5)
    )
    year_services.ticket_event(
        actor=assessor, ticket=ticket, kind="acknowledged", at=OPENED + dt.timedelta(hours=5, minutes=20)
    )
    assert notification_services.sla_scan(now=OPENED + dt.timedelta(hours=6)) == []  # met after 30 minutes
    other = _ticket(world_a, contract, on_site_required=True)
    year_services.ticket_event(
        actor=assessor, ticket=other, kind="resolved", at=OPENED + dt.timedelta(minutes=5)
    )
    assert notification_services.sla_scan(now=OPENED + dt.timedelta(hours=6)) == []  # resolved: not watched
    assert not SlaNotification.objects.exists()


def test_notifications_go_to_the_projects_channel(world_a, contract, settings, receiver):
    settings.DENGBAO_NOTIFY_CHANNELS = "tests.engagements.test_notifications.loopback_channels"
    ticket = _ticket(world_a, contract, on_site_required=True)  # P1 on site: a second clock of 120 minutes
    notes = notification_services.sla_scan(now=OPENED + dt.timedelta(minutes=100))
    assert sorted((n.clock, n.state) for n in notes) == [("on_site", "warning"), ("response", "breached")]
    assert len(receiver) == 2
    titles = sorted(p["title"] for p in receiver)
    assert titles == [
        "【dengbao 应急响应即将超时】#1 HIS 无法登录",
        "【dengbao 应急响应已超时】#1 HIS 无法登录",
    ]
    assert all(p["source"] == "dengbao" and f"/tickets/{ticket.pk}/" in p["link"] for p in receiver)
    for note in notes:
        note.refresh_from_db()
        assert (
            note.deliveries == [{"channel": "webhook", "ok": True, "detail": "HTTP 200"}] and note.delivered
        )
    assert AuditEvent.objects.filter(action="ticket.sla_delivery", outcome="ok").count() == 2
    assert notification_services.sla_scan(now=OPENED + dt.timedelta(minutes=101)) == []
    assert len(receiver) == 2  # once per state change


def test_the_job_runs_the_scan(world_a, contract, settings):
    settings.DENGBAO_NOTIFY_CHANNELS = ""
    _ticket(world_a, contract)  # opened in 2026-05: long breached by now
    assert jobs.sla_notifications() == 1
    assert jobs.sla_notifications() == 0
    event = AuditEvent.objects.get(action="ticket.sla_notification")
    assert event.details["channel"] == "scheduler"


def test_ticket_record_for_documents(world_a, contract):
    ticket = _ticket(world_a, contract, on_site_required=True)
    assessor = world_a.members["assessor"]
    for minutes, kind in ((20, "acknowledged"), (30, "waiting_client"), (70, "resumed"), (140, "on_site"),
                          (200, "resolved")):  # fmt: skip
        year_services.ticket_event(
            actor=assessor, ticket=ticket, kind=kind, at=OPENED + dt.timedelta(minutes=minutes)
        )
    year_services.ticket_close(
        actor=assessor, ticket=ticket, report="重启服务", at=OPENED + dt.timedelta(minutes=210)
    )
    record = record_selectors.ticket_record(
        actor=world_a.members["client"], project=world_a.project, ticket_id=ticket.pk
    )
    assert record["ticket"]["number"] == 1 and record["ticket"]["priority"] == "P1"
    assert record["ticket"]["status_label"] == "已关闭" and record["ticket"]["closing_report"] == "重启服务"
    assert [e["kind"] for e in record["timeline"]] == [
        "opened", "acknowledged", "waiting_client", "resumed", "on_site", "resolved", "closed",
    ]  # fmt: skip
    response, on_site = record["clocks"]
    assert (response["state"], response["elapsed_minutes"], response["limit_minutes"]) == ("met", 20, 60)
    assert (on_site["state"], on_site["elapsed_minutes"], on_site["state_label"]) == ("met", 100, "达标")
    assert record["breached"] is False and record["notifications"] == []
    assert record["contract"]["title"] == contract.title


def test_training_file_bounded_in_the_service(world_a, contract, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DENGBAO_MAX_UPLOAD_BYTES = 4
    session = factories.training(world_a)
    with pytest.raises(ValidationError, match="过大"):
        record_services.training_file_add(
            actor=world_a.members["assessor"], session=session, kind="sign_in",
            upload=SimpleUploadedFile("x.pdf", b"12345"),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="为空"):
        record_services.training_file_add(
            actor=world_a.members["assessor"],
            session=session,
            kind="sign_in",
            upload=SimpleUploadedFile("x.pdf", b""),
        )
    assert not session.files.exists()
