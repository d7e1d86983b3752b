"""The built-in engine against real listeners on 127.0.0.1: ports, banners, HTTP headers, TLS, control."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading

import pytest

from dengbao.core.scanner import Guard, OutOfScope, ScanRequest, Scope, ScopeRefused, run
from dengbao.core.scanner import engine as builtin
from dengbao.core.scanner.connect import RateLimiter
from dengbao.core.scanner.probes import inspect_port
from tests.monitor.servers import Reply, Site, make_certificate, server_tls

from .listeners import Listener, closed_port

LOOPBACK = Scope.build(cidrs=["127.0.0.0/8"], techniques=["discovery", "vuln_scan", "web_scan"])
SAFE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000",
}


def scan(ports, *, profile="quick", **kwargs):
    spec = ",".join(str(p) for p in ports)
    request = ScanRequest(targets=("127.0.0.1",), ports=spec, profile=profile, **kwargs.pop("request", {}))
    return asyncio.run(run(request, LOOPBACK, engine="builtin", **kwargs))


def rules(result, port):
    return sorted(f.tool_rule_id for f in result.findings if f.port == port)


def test_open_ports_found_closed_ones_not():
    with Listener() as a, Listener() as b, Listener() as c:
        shut = [closed_port() for _ in range(3)]
        result = scan([a.port, b.port, c.port, *shut])
    assert result.engine == "builtin"
    assert result.open_ports() == {("127.0.0.1", a.port), ("127.0.0.1", b.port), ("127.0.0.1", c.port)}
    assert result.probed == result.total == 6 and result.errors == [] and result.stopped == ""
    assert json.loads(json.dumps(result.to_dict()))["engine"] == "builtin"
    assert {o.tool for o in result.observations()} == {"builtin"}


def test_banner_is_read_and_names_the_service():
    with (
        Listener(banner=b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n") as ssh,
        Listener(banner=b"220 mail ESMTP\r\n") as smtp,
    ):
        result = scan([ssh.port, smtp.port], profile="service")
    by_port = {o.port: o for o in result.open}
    assert by_port[ssh.port].banner.startswith("SSH-2.0-OpenSSH_9.2p1")
    assert (by_port[ssh.port].service, by_port[ssh.port].product, by_port[ssh.port].version) == (
        "ssh",
        "OpenSSH",
        "9.2p1",
    )
    assert by_port[smtp.port].service == "smtp"
    assert result.findings == []


def test_http_security_headers_checked_on_a_local_server():
    with Site() as bare, Site() as safe:
        bare.page("/", "<p>hi</p>")
        safe.routes["/"] = lambda _r: Reply(body="ok", headers=SAFE_HEADERS)
        result = scan([bare.port, safe.port], profile="service")
        assert [r.method for r in bare.seen] == ["GET"]  # one harmless request
    by_port = {o.port: o for o in result.open}
    assert by_port[bare.port].service == "http" and by_port[bare.port].product == "BaseHTTP"
    assert by_port[bare.port].banner == "HTTP/1.0 200 OK" or by_port[bare.port].banner.startswith("HTTP/1.")
    assert rules(result, bare.port) == ["http.csp-missing", "http.xcto-missing", "http.xfo-missing"]
    assert rules(result, safe.port) == []  # HSTS is not asked of plain HTTP
    assert by_port[safe.port].headers["x-frame-options"] == "DENY"


def test_tls_self_signed_certificate_and_https_headers(tmp_path):
    cert = make_certificate(tmp_path, days=5)
    with Site(ssl_context=server_tls(cert)) as site:
        site.routes["/"] = lambda _r: Reply(
            body="ok", headers={**SAFE_HEADERS, "Strict-Transport-Security": ""}
        )
        result = scan([site.port], profile="service")
    (opened,) = result.open
    assert opened.service == "https" and opened.tls is not None
    assert opened.tls.protocol in ("TLSv1.2", "TLSv1.3") and opened.tls.verified is False
    assert opened.tls.not_after == cert.not_after
    assert rules(result, site.port) == ["http.hsts-missing", "tls.cert-expiring", "tls.cert-untrusted"]
    untrusted = next(f for f in result.findings if f.tool_rule_id == "tls.cert-untrusted")
    assert (
        untrusted.tool == "dengbao-scanner"
        and untrusted.severity.value == "中"
        and untrusted.port == site.port
    )


def test_expired_certificate_and_old_tls_versions(tmp_path):
    cert = make_certificate(tmp_path, days=-0.01)  # ran out 15 minutes ago
    with Site(ssl_context=server_tls(cert, allow_tls10=True)) as site:
        site.routes["/"] = lambda _r: Reply(body="ok", headers=SAFE_HEADERS)
        result = scan([site.port], profile="web")
    (opened,) = result.open
    found = {f.tool_rule_id: f for f in result.findings}
    assert found["tls.cert-expired"].severity.value == "高"
    assert opened.tls is not None and opened.tls.days_left is not None and opened.tls.days_left < 0
    if opened.tls.weak_protocols is None:
        pytest.skip(
            "this machine's OpenSSL cannot offer TLS 1.0/1.1, so the weak-version check is not testable"
        )
    assert "TLSv1" in opened.tls.weak_protocols and "tls.weak-protocol" in found


def test_progress_reaches_the_total_and_may_be_async():
    seen: list[tuple[int, int]] = []

    async def report(done: int, total: int) -> None:
        seen.append((done, total))

    result = scan(range(20000, 26000), progress=report)
    assert seen[0] == (0, 6000) and seen[-1] == (6000, 6000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert result.probed == 6000


def test_cancellation_stops_the_sweep_and_keeps_what_was_found():
    cancel = threading.Event()
    seen: list[int] = []

    def report(done: int, total: int) -> None:
        seen.append(done)
        if done >= 1:
            cancel.set()

    with Listener() as early:
        result = scan(range(early.port, 65536), progress=report, cancel=cancel)  # probed in ascending order
    assert result.stopped == "cancelled" and result.cancelled
    assert 0 < result.probed < result.total
    assert ("127.0.0.1", early.port) in result.open_ports()
    assert "扫描已被取消" in result.errors


def test_cancelled_before_start_sends_nothing():
    cancel = asyncio.Event()
    cancel.set()
    with Listener() as listener:
        result = scan([listener.port], cancel=cancel)
    assert result.probed == 0 and result.open == [] and listener.accepted == 0


def test_guard_refuses_an_address_passed_directly_to_the_engine():
    with Listener() as listener:
        guard = Guard(["127.0.0.1"])
        with pytest.raises(OutOfScope, match=r"127\.0\.0\.2"):
            asyncio.run(builtin.scan(["127.0.0.1", "127.0.0.2"], [listener.port], guard=guard))
        with pytest.raises(OutOfScope):
            asyncio.run(inspect_port(guard, "127.0.0.2", listener.port))
        assert listener.accepted == 0  # refused whole, before the first packet


def test_scope_refusal_comes_before_any_packet():
    outside = Scope.build(cidrs=["127.0.0.1/32"], techniques=["discovery"])
    with Listener() as listener, Listener(host="127.0.0.2") as other:
        request = ScanRequest(targets=("127.0.0.1", "127.0.0.2"), ports=f"{listener.port},{other.port}")
        with pytest.raises(ScopeRefused) as refused:
            asyncio.run(run(request, outside, engine="builtin"))
        web = ScanRequest(targets=("127.0.0.1",), ports=str(listener.port), profile="web")
        with pytest.raises(ScopeRefused) as wrong_technique:
            asyncio.run(run(web, outside, engine="builtin"))
        assert listener.accepted == other.accepted == 0
    assert [(r.code, r.target) for r in refused.value.refusals] == [("target", "127.0.0.2")]
    assert [r.code for r in wrong_technique.value.refusals] == ["technique"]


def test_scan_stops_when_the_authorised_window_has_ended():
    with Listener() as listener:
        guard = Guard(["127.0.0.1"], until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        result = asyncio.run(builtin.scan(["127.0.0.1"], [listener.port], guard=guard))
    assert result.stopped == "window_closed" and result.probed == 0 and listener.accepted == 0
    assert "授权时间窗已结束，扫描已中止" in result.errors


def test_rate_limited_scan_still_finds_the_port():
    with Listener() as listener:
        result = scan([listener.port, *(closed_port() for _ in range(4))], request={"rate": 200})
    assert result.open_ports() == {("127.0.0.1", listener.port)}


def test_rate_limiter_spaces_attempts():
    now = [100.0]
    limiter = RateLimiter(4, clock=lambda: now[0])
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.25, 0.5]
    now[0] = 102.0  # idle time is not saved up for a burst
    assert [limiter.reserve(), limiter.reserve()] == [0.0, 0.25]
    with pytest.raises(ValueError):
        RateLimiter(0)
