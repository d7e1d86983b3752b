"""The SSRF guard: what a monitor may reach, checked on real loopback servers."""

from __future__ import annotations

import asyncio

import httpcore
import pytest

from dengbao.core.monitor.engine import MonitorConfig, run_checks
from dengbao.core.monitor.fetch import PinnedBackend, fetch
from dengbao.core.monitor.ssrf import Resolver, TargetPolicy, TargetRefused

from .servers import LOOPBACK, Reply, Site


def _fetch(url: str, policy: TargetPolicy):
    return asyncio.run(fetch(url, resolver=Resolver(policy), timeout=5))


def test_loopback_is_refused_without_allow_and_nothing_is_sent(site):
    site.page("/", "<p>内部页面</p>")
    result = _fetch(site.url("/"), TargetPolicy())
    assert result.error_kind == "refused"
    assert "loopback" in result.error
    assert site.seen == []  # refused before connecting
    private_zone = _fetch(site.url("/"), TargetPolicy(allow_private=True))  # an intranet zone
    assert private_zone.error_kind == "refused" and "loopback" in private_zone.error
    assert site.seen == []
    allowed = _fetch(site.url("/"), TargetPolicy.build(networks=["127.0.0.1/32"]))  # listed explicitly
    assert allowed.status == 200 and "内部页面" in allowed.text
    assert len(site.seen) == 1


def test_a_name_resolving_to_loopback_is_refused(site):
    result = _fetch(site.url("/", host="localhost"), TargetPolicy())
    assert result.error_kind == "refused"
    assert "localhost" in result.error
    assert site.seen == []


def test_redirect_from_an_allowed_host_to_127_0_0_1_is_refused():
    # The allowed site lives on 127.0.0.2 (allowed as one network); the redirect target is 127.0.0.1.
    with Site("127.0.0.2") as allowed, Site("127.0.0.1") as internal:
        internal.page("/", "secret")
        allowed.routes["/"] = lambda _r: Reply(302, headers={"Location": internal.url("/admin")})
        policy = TargetPolicy.build(networks=["127.0.0.2/32"])
        result = _fetch(allowed.url("/"), policy)
        assert result.error_kind == "refused"
        assert "127.0.0.1" in result.error
        assert [h.status for h in result.hops] == [302]  # the first hop was fetched, the second refused
        assert len(allowed.seen) == 1
        assert internal.seen == []


def test_redirect_within_allowed_targets_is_followed():
    with Site("127.0.0.2") as allowed:
        allowed.routes["/old"] = lambda _r: Reply(301, headers={"Location": "/new"})
        allowed.page("/new", "<p>新首页</p>")
        result = _fetch(allowed.url("/old"), TargetPolicy.build(networks=["127.0.0.2/32"]))
        assert result.status == 200
        assert [h.status for h in result.hops] == [301, 200]
        assert result.final_url.endswith("/new")


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://10.1.2.3/",
        "http://0.0.0.0/",
        "http://[fe80::1]/",
    ],
)
def test_non_global_targets_are_refused(url):
    result = _fetch(url, TargetPolicy())
    assert result.error_kind == "refused", result.error


def test_allow_private_still_refuses_the_metadata_endpoint():
    policy = TargetPolicy(allow_private=True)
    assert policy.address_refusal("10.1.2.3") is None
    assert policy.address_refusal("127.0.0.1") is not None
    assert policy.address_refusal("169.254.169.254") is not None
    assert policy.address_refusal("::ffff:169.254.169.254") is not None
    assert TargetPolicy.build(networks=["169.254.169.254/32"]).address_refusal("169.254.169.254") is None


def test_only_listed_hosts_are_monitored(site):
    policy = TargetPolicy.build(hosts=["www.hospital.example", "*.hospital.example"], networks=LOOPBACK)
    assert policy.host_allowed("news.hospital.example")
    assert not policy.host_allowed("hospital.example.evil.com")
    result = _fetch(site.url("/"), policy)
    assert result.error_kind == "refused"
    assert "不在允许监测的主机清单中" in result.error


def test_the_backend_connects_only_to_pinned_names():
    async def connect():
        backend = PinnedBackend()
        backend.pin("a.example", ["127.0.0.1"])
        await backend.connect_tcp("b.example", 80)

    with pytest.raises(httpcore.ConnectError, match="not checked"):
        asyncio.run(connect())


def test_resolver_refuses_before_resolving_a_host_outside_the_list():
    resolver = Resolver(TargetPolicy.build(hosts=["only.example"]))
    with pytest.raises(TargetRefused):
        asyncio.run(resolver.resolve("other.example", 80))


def test_refusal_is_a_failed_condition_not_an_exception(site):
    report = asyncio.run(run_checks(MonitorConfig(url=site.url("/"), spider=False), policy=TargetPolicy()))
    assert report.available is False
    assert [c.name for c in report.failed] == ["target.allowed"]
