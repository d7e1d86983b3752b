"""Through the app, against loopback servers: certificate expiry (stored, alerted at 30/14/7 days)
and a gambling link hidden from people but served to search-engine spiders (heightened mode)."""

from __future__ import annotations

import json

from django.utils import timezone

from dengbao.monitoring import alert_services, runner
from dengbao.monitoring.models import AlertRule, CheckResult, Incident, IncidentEvent, MonitorStatus
from tests.monitor.servers import Reply, Site, make_certificate, server_tls
from tests.monitoring import factories


def _webhook(world, receiver, rule):
    channel = alert_services.channel_create(
        actor=world.members["manager"],
        project=world.project,
        kind="webhook",
        name="值班 Webhook",
        data={"url": receiver.url("/hook")},
    )
    alert_services.rule_save(
        actor=world.members["manager"],
        project=world.project,
        rule=rule,
        channel_ids=[channel.pk],
        data={"name": rule.name, "watch": rule.watch, "failure_threshold": 1, "recovery_threshold": 1},
    )


def _conditions(monitor):
    return {c["name"]: c for c in MonitorStatus.objects.get(monitor=monitor).conditions}


def test_certificate_expiry_is_stored_and_alerted_once_at_each_of_30_14_and_7_days(
    world_a, site, receiver, tmp_path, settings
):
    # one certificate per step, each its own subject (a trust store finds an issuer by subject)
    certs = {
        days: make_certificate(tmp_path, names=(f"www{days}.hospital.example", "localhost"), days=days)
        for days in (40, 25, 20, 10, 5, 365)
    }
    bundle = tmp_path / "trusted.pem"  # the hospital's internal CA, as the monitor process trusts it
    bundle.write_text("".join(c.cert_pem for c in certs.values()))
    settings.DENGBAO_MONITOR_CA_FILE = str(bundle)
    hooks = []
    receiver.page("/hook", lambda r: (hooks.append(json.loads(r.body)), Reply(200, "ok"))[1])

    with Site(ssl_context=server_tls(certs[40])) as https:
        monitor = factories.monitor(world_a, https.url("/"), name="门户 HTTPS")
        _webhook(world_a, receiver, AlertRule.objects.get(project=world_a.project, watch="tls"))
        seen = {}
        for step, days in enumerate((40, 25, 20, 10, 5, 365)):
            https.ssl_context = server_tls(certs[days])  # the next connection shows this certificate
            https.page("/", f"<html><body><p>江城市第一医院 第 {step} 版</p></body></html>")
            runner.run_batch([monitor.pk])
            seen[days] = (_conditions(monitor)["tls.expiry"], len(hooks))

    # every check stored the per-condition result: days left and the threshold reached
    assert seen[40][0]["ok"] is True and seen[40][0]["evidence"]["days_left"] == 39
    assert seen[40][0]["evidence"]["threshold"] is None
    for days, threshold in ((25, 30), (20, 30), (10, 14), (5, 7)):
        expiry = seen[days][0]
        assert expiry["ok"] is False and expiry["evidence"]["days_left"] == days - 1
        assert expiry["evidence"]["threshold"] == threshold and f"{threshold} 天" in expiry["detail"]
    assert seen[365][0]["ok"] is True
    assert MonitorStatus.objects.get(monitor=monitor).state == "up"  # the page itself was fine
    stored = [r.failed for r in CheckResult.objects.filter(monitor=monitor).order_by("checked_at")]
    assert [any(c["name"] == "tls.expiry" for c in failed) for failed in stored] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]

    # one message as each threshold is reached, none in between, one when the certificate is renewed
    assert [count for _, count in seen.values()] == [0, 1, 1, 2, 3, 4]
    assert [h["event"] for h in hooks] == ["firing", "reminder", "reminder", "resolved"]
    assert "tls.expiry" in " ".join(hooks[0]["lines"]) and "30 天" in " ".join(hooks[0]["lines"])
    assert "14 天" in " ".join(hooks[1]["lines"]) and "7 天" in " ".join(hooks[2]["lines"])
    incident = Incident.objects.get(monitor=monitor)
    assert incident.kind == Incident.Kind.TLS and incident.closed_at is not None
    notes = list(
        IncidentEvent.objects.filter(incident=incident, kind="reminder").values_list("note", flat=True)
    )
    assert notes == ["证书到期提醒：已到 14 天阈值", "证书到期提醒：已到 7 天阈值"]
    assert IncidentEvent.objects.filter(incident=incident, kind="delivered").count() == 4


CLEAN = (
    "<html><head><title>江城市第一医院</title></head><body><h1>江城市第一医院</h1>"
    "<p>门诊时间：周一至周日 8:00-17:00</p><a href='/guide'>就医指南</a></body></html>"
)
CLOAKED = CLEAN.replace(
    "</body>",
    "<div style='position:absolute;left:-3000px;top:-3000px'>"
    "<a href='http://www.xpj-bocai.example/'>澳门新葡京娱乐场 在线博彩</a></div></body>",
)


def test_a_gambling_link_served_only_to_spiders_is_an_incident_in_heightened_mode(world_a, site):
    agents = []

    def home(request):
        agent = request.headers.get("User-Agent", "")
        agents.append(agent)
        return Reply(body=CLOAKED if "spider" in agent.lower() or "Googlebot" in agent else CLEAN)

    site.page("/", home)
    today = timezone.localdate().isoformat()
    guarded = factories.monitor(world_a, site.url("/"), name="门户 重点保障", heightened_dates=today)
    ordinary = factories.monitor(world_a, site.url("/"), name="门户 平时", heightened_on_holidays=False)

    runner.run_batch([ordinary.pk])
    assert _conditions(ordinary)["darklinks"]["ok"] is True
    assert "darklinks.cloaking" not in _conditions(ordinary)  # no spider fetch outside heightened mode
    assert not Incident.objects.filter(monitor=ordinary).exists()  # a browser alone sees a clean page
    assert all("spider" not in a.lower() for a in agents)

    runner.run_batch([guarded.pk])
    assert any("Baiduspider" in a for a in agents)  # heightened mode also fetched as the spiders
    status = MonitorStatus.objects.get(monitor=guarded)
    assert status.heightened is True and status.state == "warn"
    assert {"darklinks", "darklinks.cloaking"} <= set(status.failed)
    found = _conditions(guarded)["darklinks"]["evidence"]["links"]
    [link] = found
    assert link["url"] == "http://www.xpj-bocai.example/" and link["text"] == "澳门新葡京娱乐场 在线博彩"
    assert link["hidden"] is True and link["spider_only"] is True and link["severity"] == "high"
    assert "gambling" in link["categories"] and "Baiduspider" in link["seen_by"]
    assert "browser" not in link["seen_by"] and "移出屏幕" in link["reason"]
    result = CheckResult.objects.get(monitor=guarded)
    assert result.heightened is True and result.severity == "high"
    assert "http://www.xpj-bocai.example/" in json.dumps(result.failed, ensure_ascii=False)

    incident = Incident.objects.get(monitor=guarded)  # stored as a content (dark-link) incident
    assert incident.kind == Incident.Kind.CHANGED and incident.severity == "high"
    assert incident.closed_at is None and "darklinks.cloaking" in incident.summary
    evidence = {c["name"]: c for c in incident.evidence}
    assert evidence["darklinks.cloaking"]["evidence"]["links"] == ["http://www.xpj-bocai.example/"]
    assert incident.rule.watch == "content"
