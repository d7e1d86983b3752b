"""Availability: up, down, wrong status, slow, redirects, keywords, Chinese encodings."""

from __future__ import annotations

import asyncio

from dengbao.core.monitor.engine import MonitorConfig, run_checks
from dengbao.core.monitor.ssrf import TargetPolicy

from .servers import LOOPBACK, Reply, Site, free_port

LOCAL = TargetPolicy.build(networks=LOOPBACK)  # loopback is opened only by an explicit list


def check(url: str, **kwargs):
    kwargs.setdefault("spider", False)
    return asyncio.run(run_checks(MonitorConfig(url=url, **kwargs), policy=LOCAL))


def by_name(report):
    return {c.name: c for c in report.conditions}


def test_up_site_is_available(site):
    site.page("/", "<html><title>某市人民医院</title><body>门诊时间</body></html>")
    report = check(site.url("/"), keywords_present=("门诊时间",))
    assert report.available is True
    assert report.status_code == 200
    assert report.response_ms is not None and report.response_ms > 0
    conditions = by_name(report)
    assert conditions["http.keywords"].ok
    assert conditions["http.reachable"].evidence["address"] == "127.0.0.1"
    assert report.failed == ()


def test_nothing_listening_is_down():
    report = check(f"http://127.0.0.1:{free_port()}/")
    assert report.available is False
    assert report.status_code is None
    failed = by_name(report)["http.reachable"]
    assert not failed.ok and failed.evidence["error_kind"] == "connect"


def test_down_then_up_again(site):
    state = {"up": False}
    site.routes["/"] = lambda _r: Reply(200, "ok") if state["up"] else Reply(503, "维护中")
    down = check(site.url("/"))
    assert down.available is False and down.status_code == 503
    assert [c.name for c in down.failed] == ["http.status"]
    state["up"] = True
    up = check(site.url("/"))
    assert up.available is True and up.status_code == 200


def test_expected_status_list(site):
    site.routes["/"] = lambda _r: Reply(401, "login")
    assert check(site.url("/"), expected_status=(401,)).available is True
    assert check(site.url("/"), expected_status=(200,)).available is False


def test_slow_response_ends_as_timeout(site):
    site.routes["/"] = lambda _r: Reply(200, "late", delay=3)
    report = check(site.url("/"), timeout=0.5)
    assert report.available is False
    failed = by_name(report)["http.reachable"]
    assert failed.evidence["error_kind"] == "timeout"
    assert "超时" in failed.detail


def test_response_time_limit_is_a_condition(site):
    site.routes["/"] = lambda _r: Reply(200, "slow but there", delay=0.3)
    report = check(site.url("/"), max_response_ms=100)
    assert report.available is True
    assert [c.name for c in report.failed] == ["http.response_time"]


def test_missing_keyword_and_unwanted_keyword(site):
    site.page("/", "<p>系统升级中</p>")
    report = check(site.url("/"), keywords_present=("门诊",), keywords_absent=("升级",))
    keywords = by_name(report)["http.keywords"]
    assert not keywords.ok
    assert keywords.evidence == {"missing": ["门诊"], "unwanted": ["升级"]}


def test_redirect_chain_is_reported_hop_by_hop(site):
    site.routes["/a"] = lambda _r: Reply(301, headers={"Location": "/b"})
    site.routes["/b"] = lambda _r: Reply(302, headers={"Location": "/c"})
    site.page("/c", "终点")
    report = check(site.url("/a"))
    assert report.final_url == site.url("/c")
    assert [h["status"] for h in report.to_dict()["redirects"]] == [301, 302, 200]


def test_redirect_loop_is_not_available(site):
    site.routes["/loop"] = lambda _r: Reply(302, headers={"Location": "/loop"})
    report = check(site.url("/loop"), max_redirects=3)
    assert report.available is False
    assert by_name(report)["http.reachable"].evidence["error_kind"] == "redirects"


def test_gbk_page_declared_in_meta_is_decoded(site):
    body = '<html><head><meta charset="gb2312"><title>医院</title></head><body>预约挂号</body></html>'
    site.routes["/"] = lambda _r: Reply(200, body.encode("gbk"), content_type="text/html")
    report = check(site.url("/"), keywords_present=("预约挂号",))
    assert by_name(report)["http.keywords"].ok
    assert report.snapshot is not None and report.snapshot.title == "医院"


def test_name_is_resolved_and_timed():
    with Site() as server:
        server.page("/", "ok")
        report = check(server.url("/", host="localhost"))
        assert report.available is True
        assert report.dns_ms is not None and report.dns_ms >= 0
