"""TLS: expiry days on a short-lived self-signed certificate, hostname match, weak versions."""

from __future__ import annotations

import asyncio

from dengbao.core.monitor import tls
from dengbao.core.monitor.alerts import expiry_step
from dengbao.core.monitor.engine import MonitorConfig, run_checks
from dengbao.core.monitor.ssrf import TargetPolicy

from .servers import LOOPBACK, Site, make_certificate, server_tls

LOCAL = TargetPolicy.build(networks=LOOPBACK)  # loopback is opened only by an explicit list


def check(url: str, **kwargs):
    kwargs.setdefault("spider", False)
    return asyncio.run(run_checks(MonitorConfig(url=url, **kwargs), policy=LOCAL))


def by_name(report):
    return {c.name: c for c in report.conditions}


def test_certificate_expiring_in_five_days_hits_the_seven_day_threshold(tmp_path):
    cert = make_certificate(tmp_path, days=5)
    with Site(ssl_context=server_tls(cert)) as site:
        site.page("/", "<p>安全页面</p>")
        report = check(site.url("/", host="localhost"), extra_ca_pem=cert.cert_pem)
    assert report.available is True
    info = report.tls
    assert info is not None
    assert info.verified is True
    assert info.days_left == 4  # 5 days minus the moments the test took, rounded down
    assert info.hostname_match is True
    assert info.protocol in ("TLSv1.2", "TLSv1.3")
    conditions = by_name(report)
    expiry = conditions["tls.expiry"]
    assert not expiry.ok
    assert expiry.evidence["threshold"] == 7
    assert expiry.severity == "high"
    assert conditions["tls.valid"].ok and conditions["tls.hostname"].ok
    assert conditions["tls.protocols"].ok
    assert info.weak_protocols == ()


def test_hostname_mismatch_is_its_own_failed_condition(tmp_path):
    cert = make_certificate(tmp_path, names=("www.other-hospital.example",), ips=(), days=60)
    with Site(ssl_context=server_tls(cert)) as site:
        site.page("/", "ok")
        report = check(site.url("/", host="localhost"), extra_ca_pem=cert.cert_pem, verify_tls=False)
    info = report.tls
    assert info is not None
    assert info.hostname_match is False
    assert info.names == ("www.other-hospital.example",)
    assert info.verified is True  # the chain is trusted; only the name is wrong
    conditions = by_name(report)
    assert not conditions["tls.hostname"].ok
    assert conditions["tls.expiry"].ok  # 60 days left: no threshold reached


def test_untrusted_certificate_is_still_described(tmp_path):
    cert = make_certificate(tmp_path, days=20)
    with Site(ssl_context=server_tls(cert)) as site:
        site.page("/", "ok")
        strict = check(site.url("/", host="localhost"))
        lenient = check(site.url("/", host="localhost"), verify_tls=False)
    assert strict.available is False  # the page fetch refuses an untrusted certificate
    assert by_name(strict)["http.reachable"].evidence["error_kind"] == "tls"
    assert strict.tls is not None and strict.tls.verified is False
    assert "self" in (strict.tls.verify_error or "").lower()
    assert strict.tls.days_left == 19
    assert not by_name(strict)["tls.valid"].ok
    assert by_name(strict)["tls.expiry"].evidence["threshold"] == 30
    assert lenient.available is True
    assert "tls.valid" not in by_name(lenient)  # the monitor said not to require a trusted chain


def test_server_accepting_tls_1_0_is_reported(tmp_path):
    cert = make_certificate(tmp_path, days=90)
    with Site(ssl_context=server_tls(cert, allow_tls10=True)) as site:
        site.page("/", "ok")
        report = check(site.url("/", host="localhost"), extra_ca_pem=cert.cert_pem)
    assert report.tls is not None
    assert report.tls.weak_protocols == ("TLSv1", "TLSv1.1")
    weak = by_name(report)["tls.protocols"]
    assert not weak.ok and "TLSv1.1" in weak.detail


def test_plain_http_has_no_tls(site):
    site.page("/", "ok")
    report = check(site.url("/"))
    assert report.tls is None
    assert report.to_dict()["tls"] is None


def test_hostname_matching_rules():
    assert tls.hostname_matches("www.hosp.example", ("*.hosp.example",))
    assert not tls.hostname_matches("a.b.hosp.example", ("*.hosp.example",))
    assert not tls.hostname_matches("hosp.example", ("*.hosp.example",))
    assert tls.hostname_matches("127.0.0.1", ("127.0.0.1",))
    assert not tls.hostname_matches("127.0.0.1", ("localhost",))


def test_expiry_reminders_fire_once_per_threshold():
    level, notify = expiry_step(None, 45)
    assert (level, notify) == (None, False)
    level, notify = expiry_step(level, 30)
    assert (level, notify) == (30, True)
    level, notify = expiry_step(level, 29)
    assert (level, notify) == (30, False)
    level, notify = expiry_step(level, 14)
    assert (level, notify) == (14, True)
    level, notify = expiry_step(level, 5)
    assert (level, notify) == (7, True)
    level, notify = expiry_step(level, 364)  # renewed
    assert (level, notify) == (None, False)
