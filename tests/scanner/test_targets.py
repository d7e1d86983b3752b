"""Targets and ports: parsing, the pure expansion, its limit, and the port-spec round trip."""

from __future__ import annotations

import pytest

from dengbao.core.scanner import TargetError, compact, expand, parse_ports
from dengbao.core.scanner.ports import outside
from dengbao.core.scanner.targets import Kind, parse_target


def test_parse_each_kind():
    assert parse_target("10.0.0.1").kind == Kind.ADDRESS
    assert parse_target("10.0.0.1/32").kind == Kind.ADDRESS
    assert parse_target("10.0.0.0/30").kind == Kind.NETWORK
    assert parse_target("HIS.Example.cn.").host == "his.example.cn"
    url = parse_target("https://his.example.cn:8443/login?x=1")
    assert (url.kind, url.host, url.port) == (Kind.URL, "his.example.cn", 8443)
    assert parse_target("http://[::1]/").addresses == ("::1",)
    for bad in ("", "10.0.0.0/33", "ftp://x.cn/", "bad name!", "-x.cn"):
        with pytest.raises(TargetError):
            parse_target(bad)


def test_expand_is_exact_deduplicated_and_ordered():
    assert expand(["10.0.0.0/30", "10.0.0.2", "10.0.0.9"]) == ("10.0.0.1", "10.0.0.2", "10.0.0.9")
    assert expand(["10.0.0.0/31"]) == ("10.0.0.0", "10.0.0.1")
    assert expand(["::1", "127.0.0.1"]) == ("127.0.0.1", "::1")


def test_expand_refuses_unresolved_names_and_oversize_lists():
    with pytest.raises(TargetError, match="未解析"):
        expand(["his.example.cn"])
    with pytest.raises(TargetError, match="超过单次扫描上限"):
        expand(["10.0.0.0/15"])
    assert len(expand(["10.0.0.0/16"])) == 65534


def test_port_specs():
    assert parse_ports("22, 80-82，8080") == (22, 80, 81, 82, 8080)
    assert parse_ports([443, "8000-8001", (9000, 9001)]) == (443, 8000, 8001, 9000, 9001)
    assert len(parse_ports("-")) == 65535
    assert compact([22, 80, 81, 82, 8080]) == "22,80-82,8080"
    assert outside([21, 22, 23, 80], [(22, 22), (80, 90)]) == (21, 23)
    for bad in ("0", "65536", "80-70", "http"):
        with pytest.raises(ValueError, match="端口"):
            parse_ports(bad)
