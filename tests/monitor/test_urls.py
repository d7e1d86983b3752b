"""Strict URL parsing and address classes of the SSRF guard (pure functions, no network)."""

from __future__ import annotations

import asyncio

import pytest

from dengbao.core.monitor.fetch import fetch
from dengbao.core.monitor.notify import _read_answer
from dengbao.core.monitor.ssrf import Resolver, TargetPolicy, TargetRefused, classify
from dengbao.core.monitor.urls import BadURL, check_host, join, parse_web_url


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://www.hospital.example/", "www.hospital.example", 443),
        ("HTTP://Portal.Example.:8080/a?b=1#c", "portal.example", 8080),
        ("http://192.0.2.10/", "192.0.2.10", 80),
        ("http://[2001:db8::1]:8443/", "2001:db8::1", 8443),
        ("http://例子.测试/", "xn--fsqu00a.xn--0zwm56d", 80),
    ],
)
def test_plain_urls_are_accepted_and_normalised(url, host, port):
    parsed = parse_web_url(url)
    assert (parsed.host, parsed.port) == (host, port)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://0177.0.0.1:1/", "四段十进制"),
        ("http://0x7f.1/", "四段十进制"),
        ("http://2130706433/", "四段十进制"),
        ("http://127.1/", "四段十进制"),
        ("http://a.example:65536/", "端口"),
        ("http://a.example:0/", "端口"),
        ("http://a.example:8o/", "端口"),
        ("http://xn--zz.example/", "国际化域名"),
        ("http://ａｂｃ.example/", "国际化域名"),
        ("http://a..example/", "域名标签"),
        ("http://-a.example/", "域名标签"),
        ("http://%31%32%37.0.0.1/", "四段十进制"),
        ("http://user:pw@a.example/", "用户名或密码"),
        ("http://a.example@127.0.0.1/", "用户名或密码"),
        ("http://a.example\\@127.0.0.1/", "反斜杠"),
        ("http://a .example/", "空白"),
        ("http://[::1%25eth0]/", "网卡标识"),
        ("http://[::1/", "无效"),
        ("gopher://a.example/", "http://"),
        ("//a.example/", "http://"),
        ("", "为空"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url, words):
    with pytest.raises(BadURL, match=words):
        parse_web_url(url)


def test_a_redirect_is_parsed_like_any_url():
    assert join("http://a.example/x/y", "../z").url == "http://a.example/z"
    with pytest.raises(BadURL):
        join("http://a.example/", "http://0177.0.0.1:8080/")


def test_hosts_as_listed():
    assert check_host("*.Hospital.Example.", wildcard=True) == "*.hospital.example"
    assert check_host("[::ffff:127.0.0.1]") == "::ffff:7f00:1"
    for bad in ("*.10.0.0.1", "0x0a.0.0.1", "a/b", "fe80::1%eth0", ""):
        with pytest.raises(BadURL):
            check_host(bad, wildcard=True)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("58.20.1.7", "public"),
        ("10.1.2.3", "private"),
        ("100.64.0.1", "private"),
        ("fd12::1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("169.254.169.254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("::7f00:1", "ipv4-compatible"),
        ("fec0::1", "site-local"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_address_classes(address, kind):
    assert classify(address) == kind


def test_only_an_explicit_list_opens_loopback_and_metadata():
    intranet = TargetPolicy(allow_private=True)
    assert intranet.address_refusal("10.1.2.3") is None
    for never in ("127.0.0.1", "::ffff:127.0.0.1", "169.254.169.254", "0.0.0.0", "fe80::1"):
        assert intranet.address_refusal(never) is not None, never
    zone_networks = TargetPolicy.build(private_networks=["10.8.0.0/16", "127.0.0.0/8"])
    assert zone_networks.address_refusal("10.8.1.1") is None
    assert zone_networks.address_refusal("10.9.1.1") is not None
    assert zone_networks.address_refusal("127.0.0.1") is not None  # a zone's networks never open loopback
    listed = TargetPolicy.build(networks=["127.0.0.1/32"])
    assert listed.address_refusal("127.0.0.1") is None and listed.address_refusal("127.0.0.2") is not None


def test_private_addresses_only_for_approved_hosts():
    policy = TargetPolicy.build(hosts=["www.example"], allow_private=True, private_hosts=["*.his.example"])
    assert policy.host_allowed("app.his.example")  # an approved host counts as allowed
    assert policy.address_refusal("10.1.2.3", host="app.his.example") is None
    assert policy.address_refusal("10.1.2.3", host="www.example") is not None
    assert policy.address_refusal("58.20.1.7", host="www.example") is None


def test_the_resolver_refuses_numeric_forms_without_asking_dns():
    resolver = Resolver(TargetPolicy())
    for name in ("0177.0.0.1", "2130706433", "0x7f.1"):
        with pytest.raises(TargetRefused, match="四段十进制"):
            asyncio.run(resolver.resolve(name, 80))


def test_a_bad_url_is_a_failed_fetch_not_an_exception():
    result = asyncio.run(fetch("http://0177.0.0.1:1/", resolver=Resolver(TargetPolicy()), timeout=2))
    assert result.error_kind == "invalid_url" and "四段十进制" in result.error


def test_a_channel_answer_is_reported_without_its_text():
    assert _read_answer("status", 500, b"secret page") == (False, "HTTP 500")
    assert _read_answer("status", 204, b"secret page") == (True, "HTTP 204")
    ok, detail = _read_answer("errcode", 200, b'{"errcode": 310000, "errmsg": "secret"}')
    assert not ok and detail == "HTTP 200，errcode=310000"
    ok, detail = _read_answer("errcode", 200, b'{"errcode": "secret"}')
    assert not ok and "secret" not in detail
