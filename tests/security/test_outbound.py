"""Outbound requests under the platform's control: issue #13, findings 2, 3 and 10.

Each test replays the attack as the issue describes it, on loopback servers the test starts, and
asserts the refusal. The suite's settings open loopback for every other test
(``DENGBAO_OUTBOUND_ALLOW_ADDRESSES``) and let the test process check the intranet zone
(``DENGBAO_MONITOR_LOCAL_ZONES``); the ``production`` fixture takes both away, so these tests see
the defaults a deployment has. The DNS part of finding 11 is in ``test_outbound_dns.py``.
"""

from __future__ import annotations

import logging
import time

import pytest
from django.core.exceptions import PermissionDenied

from dengbao.audit.models import AuditEvent
from dengbao.monitoring import alert_services, outbound_services, runner, services
from dengbao.monitoring.models import AllowedHost, Channel, CheckResult, Monitor, MonitorStatus, PrivateHost
from tests.monitor.servers import Reply, Site

SECRET = "ROOT-PASSWORD-IN-AN-INTERNAL-PAGE"  # what an internal service would answer


@pytest.fixture
def production(settings):
    """The deployment defaults: no loopback allowance, the main server checks only the public zone,
    and no Redis (so "check now" of an intranet monitor has no worker queue to write to)."""
    settings.DENGBAO_OUTBOUND_ALLOW_ADDRESSES = []
    del settings.DENGBAO_MONITOR_LOCAL_ZONES
    settings.DENGBAO_CELERY_BROKER = ""
    return settings


@pytest.fixture
def internal():
    """An internal service on loopback, the thing an attacker wants to read."""
    with Site() as server:
        server.routes["*"] = lambda _r: Reply(200, f"<html><body><p>{SECRET}</p></body></html>")
        yield server


def _manager(world):
    return world.members["manager"]


def _url(world, tail: str) -> str:
    return f"/projects/{world.project.slug}/monitoring/{tail}"


# --- finding 2: monitoring reads internal pages --------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "::1", "[::ffff:127.0.0.1]", "169.254.169.254"])
def test_a_manager_cannot_add_an_internal_address_as_an_allowed_host(world_a, login, production, host):
    client = login(_manager(world_a))
    response = client.post(_url(world_a, "hosts/"), {"host": host})
    assert response.status_code == 403
    assert not AllowedHost.objects.exists()
    denied = AuditEvent.objects.filter(action="monitor.host_add", outcome="denied")
    assert denied.count() == 1 and denied.get().project_id == world_a.project.pk
    with pytest.raises(PermissionDenied):  # the service refuses anyone, not just the form
        services.host_add(actor=_manager(world_a), project=world_a.project, host=host)
    assert not AllowedHost.objects.exists()


def test_only_the_security_administrator_approves_a_host_for_private_addresses(
    world_a, platform_users, login, production
):
    form = {"project": world_a.project.pk, "zone": "intranet", "host": "his.hospital.example"}
    for user in (_manager(world_a), platform_users["sysadmin"], platform_users["auditadmin"]):
        assert login(user).post("/security/outbound/", form).status_code == 403
    assert not PrivateHost.objects.exists()

    secadmin = login(platform_users["secadmin"])
    assert secadmin.post("/security/outbound/", form).status_code == 302
    row = PrivateHost.objects.get()
    assert (row.project, row.zone, row.host) == (world_a.project, "intranet", "his.hospital.example")
    assert AuditEvent.objects.filter(
        action="monitor.private_host_add", actor_id=platform_users["secadmin"].pk
    ).exists()
    # not even the security administrator can open loopback or the metadata endpoint
    for host in ("127.0.0.1", "169.254.169.254", "fe80::1"):
        page = secadmin.post("/security/outbound/", {**form, "host": host}, follow=True).content.decode()
        assert "不能批准" in page
    assert PrivateHost.objects.count() == 1


def test_the_security_page_lists_hosts_waiting_for_approval_and_hides_channel_tokens(
    world_a, platform_users, login, production
):
    AllowedHost.objects.create(project=world_a.project, host="his.hospital.example")
    services.monitor_create(
        actor=_manager(world_a),
        project=world_a.project,
        data={"name": "HIS", "url": "http://his.hospital.example:8080/", "zone": "intranet"},
    )
    alert_services.channel_create(
        actor=_manager(world_a),
        project=world_a.project,
        kind="dingtalk",
        name="钉钉",
        data={"url": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN-OF-THE-ROBOT"},
    )
    page = login(platform_users["secadmin"]).get("/security/outbound/").content.decode()
    waiting = page[page.index('id="waiting"') : page.index('id="private-hosts"')]
    assert "his.hospital.example" in waiting and "HIS" in waiting
    assert "https://oapi.dingtalk.com" in page and "TOKEN-OF-THE-ROBOT" not in page
    outbound_services.private_host_add(
        actor=platform_users["secadmin"],
        project=world_a.project,
        zone="intranet",
        host="his.hospital.example",
    )
    page = login(platform_users["secadmin"]).get("/security/outbound/").content.decode()
    assert "his.hospital.example" not in page[page.index('id="waiting"') : page.index('id="private-hosts"')]


def test_the_main_server_does_not_fetch_a_loopback_page_of_the_intranet_zone(
    world_a, login, production, internal
):
    # The attack of the issue: 127.0.0.1 as an allowed host (a row left from before the fix), a
    # monitor on a loopback page in the intranet zone, then "check now" and the baseline page.
    AllowedHost.objects.create(project=world_a.project, host="127.0.0.1")
    client = login(_manager(world_a))
    form = {"name": "内部", "url": internal.url("/admin"), "zone": "intranet", "interval_seconds": "60"}
    page = client.post(_url(world_a, "new/"), form).content.decode()
    assert "回环地址" in page and not Monitor.objects.exists()  # refused at save, with the reason

    monitor = Monitor.objects.create(
        project=world_a.project, name="旧对象", url=internal.url("/"), zone="intranet"
    )
    MonitorStatus.objects.create(monitor=monitor)
    response = client.post(_url(world_a, f"{monitor.pk}/check/"), follow=True)
    assert response.status_code == 200 and "由该区域的工作进程检查" in response.content.decode()
    assert runner.run_batch() == []  # the scheduler of the main server leaves the zone alone
    assert internal.seen == []

    # ... and the zone's own worker refuses the loopback address, as a recorded failed check
    [outcome] = runner.run_batch([monitor.pk], only_zones=["intranet"])
    assert internal.seen == []
    assert not outcome.report.available and "回环地址" in outcome.report.failed[0].detail
    assert CheckResult.objects.get(monitor=monitor).failed[0]["name"] == "target.allowed"
    baseline_page = client.get(_url(world_a, f"{monitor.pk}/baseline/")).content.decode()
    assert SECRET not in baseline_page


def test_a_private_host_reaches_private_addresses_only_with_the_security_administrators_approval(
    world_a, platform_users, production
):
    # resolved through the policy (no network): the manager's host list alone reaches public addresses
    from dengbao.monitoring.plans import policy_for

    manager_only = policy_for(["his.hospital.example"], "intranet", [])
    assert manager_only.address_refusal("10.20.1.5", host="his.hospital.example") is not None
    outbound_services.private_host_add(
        actor=platform_users["secadmin"],
        project=world_a.project,
        zone="intranet",
        host="his.hospital.example",
    )
    approved = policy_for(["his.hospital.example"], "intranet", ["his.hospital.example"])
    assert approved.address_refusal("10.20.1.5", host="his.hospital.example") is None
    assert approved.address_refusal("10.20.1.5", host="other.hospital.example") is not None
    assert approved.address_refusal("127.0.0.1", host="his.hospital.example") is not None
    assert approved.address_refusal("169.254.169.254", host="his.hospital.example") is not None
    public = policy_for(["his.hospital.example"], "public", ["his.hospital.example"])
    assert public.address_refusal("10.20.1.5", host="his.hospital.example") is not None


def test_a_redirect_to_another_loopback_port_is_refused(world_a, settings, internal):
    """The allowed site sits on 127.0.0.2, the one address the deployment allowance opens (it is
    per address, not per port); it redirects to the internal service on 127.0.0.1, another port.
    Without any allowance loopback is refused at the first hop already (the test above)."""
    settings.DENGBAO_OUTBOUND_ALLOW_ADDRESSES = ["127.0.0.2/32"]
    with Site("127.0.0.2") as allowed:
        allowed.routes["/"] = lambda _r: Reply(302, headers={"Location": internal.url("/admin")})
        for host in ("127.0.0.2", "127.0.0.1"):  # even a listed host is refused by its address
            AllowedHost.objects.create(project=world_a.project, host=host)
        monitor = services.monitor_create(
            actor=None,
            project=world_a.project,
            data={"name": "门户", "url": allowed.url("/"), "zone": "public"},
        )
        [outcome] = runner.run_batch([monitor.pk])
        assert len(allowed.seen) == 1
    assert internal.seen == []
    failed = outcome.report.failed[0]
    assert failed.name == "target.allowed" and "127.0.0.1" in failed.detail
    assert [h["status"] for h in failed.evidence["redirects"]] == [302]


# --- finding 3: alert channels are an SSRF oracle -----------------------------------------------


def test_a_manager_cannot_tick_allow_private_on_a_channel(world_a, login, production):
    client = login(_manager(world_a))
    form = {"kind": "webhook", "name": "内网", "url": "http://10.1.2.3/hook", "allow_private": "on"}
    assert client.post(_url(world_a, "channels/"), form).status_code == 403
    assert not Channel.objects.exists()
    channel = alert_services.channel_create(
        actor=_manager(world_a),
        project=world_a.project,
        kind="webhook",
        name="内网",
        data={"url": form["url"]},
    )
    edit = {"name": "内网", "url": form["url"], "allow_private": "on", "enabled": "on"}
    assert client.post(_url(world_a, f"channels/{channel.pk}/"), edit).status_code == 403
    channel.refresh_from_db()
    assert channel.allow_private is False
    assert AuditEvent.objects.filter(action__startswith="monitor.channel_", outcome="denied").count() == 2
    assert "allow_private" not in client.get(_url(world_a, "channels/")).content.decode()  # not offered


def test_the_channel_test_reports_status_and_timing_never_the_reply(world_a, login, internal):
    # loopback is open here (the suite's allowance), as an approved internal receiver would be
    internal.routes["/error"] = lambda _r: Reply(500, f"<pre>{SECRET}</pre>")
    internal.routes["/robot"] = lambda _r: Reply(
        200, f'{{"errcode": 310000, "errmsg": "{SECRET}"}}', content_type="application/json"
    )
    client = login(_manager(world_a))
    for kind, path, expected in (("webhook", "/", "HTTP 200"), ("webhook", "/error", "HTTP 500"),
                                 ("dingtalk", "/robot", "errcode=310000")):  # fmt: skip
        channel = alert_services.channel_create(
            actor=_manager(world_a),
            project=world_a.project,
            kind=kind,
            name=path,
            data={"url": internal.url(path)},
        )
        page = client.post(_url(world_a, f"channels/{channel.pk}/test/"), follow=True).content.decode()
        assert expected in page and " ms" in page
        assert SECRET not in page and SECRET[:8] not in page
    assert len(internal.seen) == 3
    for event in AuditEvent.objects.filter(action="monitor.channel_test"):
        assert SECRET[:8] not in str(event.details)


def test_allow_private_opens_neither_loopback_nor_metadata(world_a, platform_users, production, internal):
    channel = alert_services.channel_create(
        actor=_manager(world_a),
        project=world_a.project,
        kind="webhook",
        name="本机",
        data={"url": internal.url("/")},
    )
    outbound_services.channel_private_set(actor=platform_users["secadmin"], channel=channel, allow=True)
    result = alert_services.channel_test(actor=_manager(world_a), channel=channel)
    assert not result.ok and "回环地址" in result.detail
    assert internal.seen == []


def test_a_new_receiver_loses_the_private_permission(world_a, platform_users):
    channel = alert_services.channel_create(
        actor=_manager(world_a),
        project=world_a.project,
        kind="webhook",
        name="院内",
        data={"url": "http://10.1.2.3/a"},
    )
    outbound_services.channel_private_set(actor=platform_users["secadmin"], channel=channel, allow=True)
    same = {"url": "http://10.1.2.3/b", "enabled": True}  # same receiver, another path: kept
    alert_services.channel_update(actor=_manager(world_a), channel=channel, name="院内", data=same)
    assert Channel.objects.get(pk=channel.pk).allow_private is True
    moved = {"url": "http://10.1.2.9:8080/", "enabled": True}  # another machine: approval lapses
    alert_services.channel_update(actor=_manager(world_a), channel=channel, name="院内", data=moved)
    assert Channel.objects.get(pk=channel.pk).allow_private is False


# --- finding 10: a bad URL is a validation error at save and a failed check at run time --------

BAD_URLS = [
    "http://0177.0.0.1:1/",  # octal
    "http://0x7f.0.0.1/",  # hexadecimal
    "http://2130706433/",  # one decimal integer
    "http://127.1/",  # short form
    "http://portal.example:99999/",  # port out of range
    "http://portal.example:0/",
    "http://portal.example:+80/",
    "http://xn--zz.example/",  # bad punycode
    "http://\u2488.example/",  # not an IDNA name
    "http://user@evil@portal.example/",  # userinfo tricks
    "http://portal.example\\@127.0.0.1/",
    "http://[::1%25lo]/",  # IPv6 with a zone id
    "ftp://portal.example/",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_url_is_refused_at_save_with_a_message(world_a, login, url):
    AllowedHost.objects.create(project=world_a.project, host="portal.example")
    client = login(_manager(world_a))
    response = client.post(_url(world_a, "new/"), {"name": "坏网址", "url": url, "zone": "public"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<li class="error">' in page  # the reason, in Chinese, above the form
    assert not Monitor.objects.exists()
    channel = client.post(_url(world_a, "channels/"), {"kind": "webhook", "name": "坏", "url": url})
    assert channel.status_code == 200 and '<li class="error">' in channel.content.decode()
    assert not Channel.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_bad_urls_saved_before_the_fix_are_failed_checks_and_the_loop_logs_no_error(caplog):
    from tests.conftest import make_project, verified_client

    world = make_project("bad-urls")
    monitors = []
    for i, url in enumerate([*BAD_URLS[:4], "http://portal.example:99999/", "http://xn--zz.example/"]):
        monitors.append(
            Monitor.objects.create(project=world.project, name=f"旧 {i}", url=url, interval_seconds=10)
        )
        MonitorStatus.objects.create(monitor=monitors[-1])
    response = verified_client(_manager(world)).post(_url(world, f"{monitors[0].pk}/check/"))
    assert response.status_code == 302  # "check now" answers, it does not fail with 500

    loop = runner.MonitorLoop(only_zones=["public"], refresh_seconds=1.0)
    caplog.set_level(logging.INFO, logger="dengbao")
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and loop.stats.stored < 2 * len(monitors):
            time.sleep(0.2)
    finally:
        loop.stop()
        loop.join(60)
    assert not loop.is_alive() and loop.stats.write_errors == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records
    ]
    for monitor in monitors:
        results = CheckResult.objects.filter(monitor=monitor)
        assert results.count() >= 2, monitor.url  # checked at every run, each a recorded failure
        assert all(not r.available and r.failed[0]["name"] == "target.allowed" for r in results)
        assert "网址无效" in results.first().failed[0]["detail"]
