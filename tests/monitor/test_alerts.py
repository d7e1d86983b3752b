"""Alert rules (pure state machine) and delivery to local receivers that verify each robot's signing."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlsplit

from dengbao.core.monitor.alerts import (
    AlertMessage,
    AlertRule,
    AlertState,
    EventKind,
    Phase,
    message_for,
    step,
)
from dengbao.core.monitor.engine import MonitorConfig, run_checks
from dengbao.core.monitor.notify import (
    DingTalkChannel,
    EmailChannel,
    FeishuChannel,
    WebhookChannel,
    WeComChannel,
    send,
)
from dengbao.core.monitor.results import Severity
from dengbao.core.monitor.ssrf import TargetPolicy

from .servers import LOOPBACK, Reply, SMTPSink

LOCAL = TargetPolicy.build(networks=LOOPBACK)  # loopback is opened only by an explicit list
SECRET = "SEC0123456789abcdef-test-secret"


def run(rule: AlertRule, verdicts: list[tuple[float, bool]], state: AlertState | None = None):
    state = state or AlertState()
    events = []
    for now, ok in verdicts:
        state, event = step(rule, state, ok, now)
        if event:
            events.append((now, event.kind, event.notify))
    return state, events


def test_failures_below_threshold_do_not_alert_and_recovery_needs_its_threshold():
    rule = AlertRule(failure_threshold=3, recovery_threshold=2, quiet_period=0)
    state, events = run(rule, [(0, False), (60, False), (120, True), (180, False), (240, False)])
    assert events == [] and state.phase is Phase.PENDING and state.failures == 2
    state, events = run(rule, [(300, False), (360, True), (420, False), (480, True), (540, True)], state)
    assert events == [(300, EventKind.FIRING, True), (540, EventKind.RESOLVED, True)]
    assert state.phase is Phase.UP


def test_quiet_period_holds_a_flapping_alert_and_sends_it_if_still_down():
    rule = AlertRule(failure_threshold=1, recovery_threshold=1, quiet_period=600)
    state, events = run(
        rule, [(0, False), (60, True), (120, False), (180, False), (600, False), (660, False)]
    )
    assert events == [
        (0, EventKind.FIRING, True),
        (60, EventKind.RESOLVED, True),
        (120, EventKind.FIRING, False),  # within 600 s of the last message: held
        (660, EventKind.FIRING, True),  # quiet period over, still down: sent now
    ]
    assert state.held is False and state.last_notified_at == 660


def test_held_alert_that_recovers_inside_the_quiet_period_wakes_nobody():
    rule = AlertRule(failure_threshold=1, recovery_threshold=1, quiet_period=600)
    _state, events = run(rule, [(0, False), (60, True), (120, False), (180, True), (1000, False)])
    assert events == [
        (0, EventKind.FIRING, True),
        (60, EventKind.RESOLVED, True),
        (120, EventKind.FIRING, False),
        (180, EventKind.RESOLVED, False),
        (1000, EventKind.FIRING, True),
    ]


def test_reminders_while_down_and_state_round_trip():
    rule = AlertRule(failure_threshold=2, recovery_threshold=1, quiet_period=0, repeat_interval=3600)
    state, events = run(rule, [(t, False) for t in range(0, 7300, 60)])
    assert [(t, k) for t, k, _ in events] == [(60, "firing"), (3660, "reminder"), (7260, "reminder")]
    assert AlertState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def message() -> AlertMessage:
    return AlertMessage(
        monitor="医院门户首页",
        url="https://www.hospital.example/",
        event="firing",
        severity=Severity.HIGH,
        lines=("darklinks：发现 1 个可疑链接（暗链）",),
        at=dt.datetime(2026, 2, 10, 1, 30, tzinfo=dt.UTC),
    )


def dingtalk_receiver(site, secret: str, received: list):
    """Verifies as DingTalk's robot does: sign = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))."""

    def robot(request):
        query = parse_qs(urlsplit(request.path).query)
        stamp, sign = query["timestamp"][0], query["sign"][0]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        fresh = abs(int(stamp) - time.time() * 1000) < 3600_000
        verified = hmac.compare_digest(sign, expected) and fresh
        received.append((verified, json.loads(request.body), query["access_token"][0]))
        answer = (
            {"errcode": 0, "errmsg": "ok"} if verified else {"errcode": 310000, "errmsg": "sign not match"}
        )
        return Reply(body=json.dumps(answer), content_type="application/json")

    site.routes["/robot/send"] = robot


def test_dingtalk_delivery_with_signature_verified_by_the_receiver(site):
    received: list = []
    dingtalk_receiver(site, SECRET, received)
    channel = DingTalkChannel(
        site.url("/robot/send?access_token=abc123"), secret=SECRET, at_mobiles=("13800000000",)
    )
    delivery = asyncio.run(send(channel, message(), policy=LOCAL))
    assert delivery.ok, delivery.detail
    [(verified, body, token)] = received
    assert verified and token == "abc123"
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "【dengbao 网站监测告警】医院门户首页"
    assert "暗链" in body["markdown"]["text"] and "2026-02-10 09:30:00" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13800000000"]


def test_dingtalk_wrong_secret_is_rejected_and_reported(site):
    received: list = []
    dingtalk_receiver(site, SECRET, received)
    channel = DingTalkChannel(site.url("/robot/send?access_token=abc123"), secret="not-the-secret")
    delivery = asyncio.run(send(channel, message(), policy=LOCAL))
    assert not delivery.ok and "310000" in delivery.detail
    assert received[0][0] is False


def test_feishu_signature_and_payload(site):
    bodies: list = []

    def hook(request):
        body = json.loads(request.body)
        key = f"{body['timestamp']}\n{SECRET}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        bodies.append(body)
        ok = hmac.compare_digest(expected, body["sign"])
        return Reply(body=json.dumps({"code": 0 if ok else 19021, "msg": "ok" if ok else "sign match fail"}))

    site.routes["/open-apis/bot/v2/hook/xyz"] = hook
    delivery = asyncio.run(
        send(FeishuChannel(site.url("/open-apis/bot/v2/hook/xyz"), SECRET), message(), policy=LOCAL)
    )
    assert delivery.ok, delivery.detail
    assert bodies[0]["msg_type"] == "text" and "医院门户首页" in bodies[0]["content"]["text"]
    bad = asyncio.run(
        send(FeishuChannel(site.url("/open-apis/bot/v2/hook/xyz"), "wrong"), message(), policy=LOCAL)
    )
    assert not bad.ok and "19021" in bad.detail


def test_wecom_markdown_and_mentions(site):
    bodies: list = []
    site.routes["/cgi-bin/webhook/send"] = lambda r: (
        bodies.append(json.loads(r.body)),
        Reply(body='{"errcode":0}'),
    )[1]
    url = site.url("/cgi-bin/webhook/send?key=k1")
    assert asyncio.run(send(WeComChannel(url), message(), policy=LOCAL)).ok
    assert asyncio.run(
        send(WeComChannel(url, mentioned_mobiles=("13900000000",)), message(), policy=LOCAL)
    ).ok
    assert bodies[0]["msgtype"] == "markdown" and bodies[0]["markdown"]["content"].startswith("### 【dengbao")
    assert bodies[1]["text"]["mentioned_mobile_list"] == ["13900000000"]


def test_generic_webhook_hmac_signature(site):
    seen: list = []

    def hook(request):
        headers = {k.lower(): v for k, v in request.headers.items()}
        stamp = headers["x-dengbao-timestamp"]
        expected = (
            "sha256="
            + hmac.new(SECRET.encode(), stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
        )
        seen.append(hmac.compare_digest(expected, headers["x-dengbao-signature"]))
        return Reply(204 if seen[-1] else 401)

    site.routes["/hook"] = hook
    delivery = asyncio.run(send(WebhookChannel(site.url("/hook"), secret=SECRET), message(), policy=LOCAL))
    assert delivery.ok and delivery.status == 204 and seen == [True]


def test_webhook_to_loopback_is_refused_without_allow(site):
    site.routes["/hook"] = lambda _r: Reply(200)
    delivery = asyncio.run(send(WebhookChannel(site.url("/hook")), message(), policy=TargetPolicy()))
    assert not delivery.ok and "refused" in delivery.detail
    assert site.seen == []


def test_email_through_a_local_smtp_server():
    with SMTPSink() as sink:
        channel = EmailChannel(
            host="127.0.0.1",
            port=sink.port,
            sender="monitor@agency.example",
            recipients=("ops@hospital.example",),
        )
        delivery = asyncio.run(send(channel, message(), policy=LOCAL))
        assert delivery.ok, delivery.detail
        [(sender, recipients, data)] = sink.messages
    assert "monitor@agency.example" in sender and recipients == ["<ops@hospital.example>"]
    mail = email.message_from_bytes(data, policy=email.policy.default)
    assert mail["Subject"] == "【dengbao 网站监测告警】医院门户首页"
    assert "暗链" in mail.get_content()


def test_a_real_check_drives_the_rule_and_the_message(site):
    state = {"up": True}
    site.routes["/"] = lambda _r: Reply(200, "ok") if state["up"] else Reply(502, "bad gateway")
    rule = AlertRule(failure_threshold=2, recovery_threshold=1, quiet_period=0)
    alert, events = AlertState(), []
    for minute, up in enumerate([True, False, False, True]):
        state["up"] = up
        report = asyncio.run(run_checks(MonitorConfig(url=site.url("/"), spider=False), policy=LOCAL))
        alert, event = step(rule, alert, report.ok_for(("target.", "http.")), minute * 60.0)
        if event:
            events.append((event.kind, message_for("门户", report, event.kind)))
    assert [kind for kind, _ in events] == ["firing", "resolved"]
    firing = events[0][1]
    assert firing.severity == "critical" and any("502" in line for line in firing.lines)
    assert events[1][1].lines == ("全部检查通过",)
