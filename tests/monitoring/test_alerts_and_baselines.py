"""Alerts to a local DingTalk-style receiver, tickets, and the defacement → re-approval cycle."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, unquote_plus, urlsplit

from dengbao.monitoring import alert_services, runner, selectors, services
from dengbao.monitoring.models import AlertRule, Channel, Incident, IncidentEvent, MonitorStatus
from tests.monitor.servers import Reply
from tests.monitoring import factories

SECRET = "SEC-test-secret-0123456789"
HOME = (
    "<html><head><title>江城市第一医院</title><script src='/static/site.js'></script></head>"
    "<body><h1>欢迎访问江城市第一医院</h1><p>门诊时间：周一至周日 8:00-17:00。预约挂号请拨打 12320。</p>"
    "<p>本院开设内科、外科、妇产科、儿科等临床科室，提供全天候急诊服务。</p></body></html>"
)
DEFACED = (
    "<html><head><title>Hacked by Team X</title><script src='/static/site.js'></script>"
    "<script src='https://evil.example.net/miner.js'></script></head>"
    "<body><h1>Hacked by Team X</h1><p>Your security is low. 被黑了</p></body></html>"
)


def _verified(request) -> bool:
    """The receiver's side of DingTalk signing: HMAC-SHA256 of "timestamp\\nsecret", base64, URL-encoded."""
    query = parse_qs(urlsplit(request.path).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    return unquote_plus(request.path.split("sign=", 1)[1].split("&")[0]) == expected


def _dingtalk(world, receiver):
    return alert_services.channel_create(
        actor=world.members["manager"],
        project=world.project,
        kind="dingtalk",
        name="值班群",
        data={"url": receiver.url("/robot/send?access_token=abc"), "secret": SECRET},
    )


def test_an_alert_reaches_a_local_dingtalk_receiver_with_a_valid_signature(world_a, site, receiver):
    received = []

    def robot(request):
        received.append((request, _verified(request), json.loads(request.body)))
        return Reply(200, json.dumps({"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    receiver.page("/robot/send", robot)
    site.page("/", Reply(500, "error").body, status=500)
    monitor = factories.monitor(world_a, site.url("/"))
    channel = _dingtalk(world_a, receiver)
    rule = AlertRule.objects.get(project=world_a.project, watch="availability")
    alert_services.rule_save(
        actor=world_a.members["manager"],
        project=world_a.project,
        rule=rule,
        channel_ids=[channel.pk],
        data={"name": rule.name, "watch": "availability", "failure_threshold": 1, "recovery_threshold": 1},
    )
    runner.run_batch([monitor.pk])
    assert len(received) == 1
    request, verified, body = received[0]
    assert verified, request.path
    assert body["msgtype"] == "markdown" and "告警" in body["markdown"]["title"]
    assert "http.status" in body["markdown"]["text"]
    delivered = IncidentEvent.objects.get(kind="delivered")
    assert delivered.incident.monitor == monitor and "值班群" in delivered.note
    # the secret is stored but never shown back on the channels page
    page = factories_login(world_a, "manager").get(
        f"/projects/{world_a.project.slug}/monitoring/channels/{channel.pk}/"
    )
    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert Channel.objects.get(pk=channel.pk).secret == SECRET


def factories_login(world, role):
    from tests.conftest import verified_client

    return verified_client(world.members[role])


def test_the_test_button_sends_a_signed_test_message(world_a, receiver):
    seen = []
    receiver.page(
        "/robot/send",
        lambda r: (seen.append(_verified(r)), Reply(200, '{"errcode": 0}', content_type="application/json"))[
            1
        ],
    )
    channel = _dingtalk(world_a, receiver)
    client = factories_login(world_a, "manager")
    response = client.post(
        f"/projects/{world_a.project.slug}/monitoring/channels/{channel.pk}/test/", follow=True
    )
    assert response.status_code == 200
    assert seen == [True]
    assert "测试消息已送达" in response.content.decode()
    # a client contact may not send test messages or see channels
    other = factories_login(world_a, "client")
    assert (
        other.post(f"/projects/{world_a.project.slug}/monitoring/channels/{channel.pk}/test/").status_code
        == 403
    )
    assert seen == [True]


def test_an_alert_opens_an_emergency_ticket_when_the_rule_asks(world_a, site):
    from tests.engagements import factories as engagement

    engagement.contract(world_a)
    site.page("/", "down", status=503)
    monitor = factories.monitor(world_a, site.url("/"))
    rule = AlertRule.objects.get(project=world_a.project, watch="availability")
    alert_services.rule_save(
        actor=world_a.members["manager"],
        project=world_a.project,
        rule=rule,
        channel_ids=[],
        data={"name": "不可用开工单", "watch": "availability", "failure_threshold": 1, "open_ticket": True},
    )
    runner.run_batch([monitor.pk])
    incident = Incident.objects.get(monitor=monitor)
    assert incident.ticket is not None
    assert incident.ticket.source == "monitoring" and incident.ticket.kind == "fault"
    assert monitor.name in incident.ticket.title
    assert incident.events.filter(kind="ticket", note__contains="#").exists()


def test_a_defaced_page_raises_a_change_incident_and_reapproval_makes_the_next_check_clean(world_a, site):
    pages = {"current": HOME}
    site.page("/", lambda _r: Reply(200, pages["current"]))
    monitor = factories.monitor(world_a, site.url("/"))
    manager, assessor, client_user = (world_a.members[r] for r in ("manager", "assessor", "client"))
    runner.run_batch([monitor.pk])
    review = selectors.baseline_review(actor=client_user, monitor=monitor)
    assert review.baseline is None and review.capture is not None
    services.baseline_approve(actor=assessor, monitor=monitor, dom_hash=review.capture.dom_hash)
    (outcome,) = runner.run_batch([monitor.pk])
    assert not outcome.report.failed, [c.name for c in outcome.report.failed]

    pages["current"] = DEFACED
    (outcome,) = runner.run_batch([monitor.pk])
    failed = {c.name for c in outcome.report.failed}
    assert {"tamper.hash", "tamper.structure", "tamper.text", "tamper.phrases"} <= failed
    incident = Incident.objects.get(monitor=monitor, kind="changed")
    assert (
        incident.open and "Hacked by" in incident.snapshot_html and incident.severity in ("high", "critical")
    )

    client = factories_login(world_a, "assessor")
    page = client.get(f"/projects/{world_a.project.slug}/monitoring/{monitor.pk}/baseline/").content.decode()
    assert "evil.example.net/miner.js" in page  # the structural change
    assert 'class="removed">' in page and 'class="added">' in page  # the side-by-side text diff
    snap = client.get(f"/projects/{world_a.project.slug}/monitoring/incidents/{incident.pk}/snapshot/")
    assert snap["Content-Type"].startswith("text/plain") and b"Hacked by" in snap.content

    # the client contact cannot approve; the assessor re-approves (say, it was a planned page) in one click
    capture = selectors.baseline_review(actor=assessor, monitor=monitor).capture
    url = f"/projects/{world_a.project.slug}/monitoring/{monitor.pk}/baseline/"
    assert factories_login(world_a, "client").post(url, {"dom_hash": capture.dom_hash}).status_code == 403
    assert client.post(url, {"dom_hash": capture.dom_hash, "note": "演练页面"}).status_code == 302
    assert monitor.baselines.count() == 2 and services.current_baseline(monitor).version == 2
    (outcome,) = runner.run_batch([monitor.pk])
    assert not outcome.report.failed
    incident.refresh_from_db()
    assert not incident.open
    assert [e.kind for e in incident.events.all()] == ["firing", "approved", "resolved"]
    assert MonitorStatus.objects.get(monitor=monitor).state == "up"
    assert manager  # the manager needed nothing here
