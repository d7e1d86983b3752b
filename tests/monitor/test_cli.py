"""`dengbao monitor check` against local servers: the --json shape and the Chinese summary."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dengbao.cli import main

from .servers import Reply, Site, make_certificate, server_tls

SPAM = (
    "<html><body><p>欢迎访问</p><div style='display:none'>"
    "<a href='http://www.bocai-casino.example/'>百家乐</a></div></body></html>"
)


# loopback is never a monitoring target unless listed explicitly (allow_private does not cover it)
LOOPBACK = ("--allow-address", "127.0.0.0/8", "--allow-address", "::1")


def invoke(*args: str):
    return CliRunner().invoke(main, ["monitor", "check", *args])


def test_json_output_shape_for_plain_http(site):
    site.page("/", SPAM)
    result = invoke(site.url("/"), *LOOPBACK, "--no-spider", "--json")
    assert result.exit_code == 1, result.output  # a dark link fails a condition
    data = json.loads(result.output)
    assert data["available"] is True and data["status_code"] == 200
    assert data["tls"] is None
    assert data["dark_links"] == [
        {
            "url": "http://www.bocai-casino.example/",
            "text": "百家乐",
            "hidden": True,
            "reason": data["dark_links"][0]["reason"],
            "kind": "a",
            "severity": "high",
            "categories": ["gambling"],
            "hiding": ["display:none（所在 <div>）"],
            "seen_by": ["browser"],
            "spider_only": False,
        }
    ]
    assert "display:none" in data["dark_links"][0]["reason"]
    names = {c["name"]: c for c in data["conditions"]}
    assert names["darklinks"]["ok"] is False and names["http.status"]["ok"] is True
    assert set(names["darklinks"]) == {"name", "ok", "severity", "detail", "evidence"}


def test_loopback_refused_without_allow_private(site):
    site.page("/", "ok")
    result = invoke(site.url("/"), "--json")
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert data["available"] is False and data["failed"] == ["target.allowed"]
    assert site.seen == []


def test_https_with_ca_file_reports_tls_and_exit_zero(tmp_path):
    cert = make_certificate(tmp_path, days=90)
    with Site(ssl_context=server_tls(cert)) as site:
        site.routes["*"] = lambda _r: Reply(body="<p>正常页面</p>")
        result = invoke(
            site.url("/", host="localhost"), *LOOPBACK, "--ca-file", str(cert.cert_path), "--json"
        )
    data = json.loads(result.output)
    assert result.exit_code == 0, data["failed"]
    assert data["tls"]["days_left"] == 89 and data["tls"]["hostname_match"] is True
    assert data["dark_links"] == []


def test_readable_chinese_summary_and_baseline_files(site, tmp_path):
    pages = {"now": "<html><title>医院</title><body><p>门诊时间 8:00</p></body></html>"}
    site.routes["/"] = lambda _r: Reply(body=pages["now"])
    baseline = tmp_path / "baseline.json"
    first = invoke(
        site.url("/"),
        *LOOPBACK,
        "--no-spider",
        "--save-baseline",
        str(baseline),
        "--approved-by",
        "张工",
    )
    assert first.exit_code == 0, first.output
    assert "可用性：可用（HTTP 200" in first.output and "结论：全部通过" in first.output
    assert json.loads(baseline.read_text())["approved_by"] == "张工"
    pages["now"] = (
        "<html><title>Hacked by X</title><body><script src='http://evil.example/a.js'></script></body></html>"
    )
    second = invoke(site.url("/"), *LOOPBACK, "--no-spider", "--baseline", str(baseline))
    assert second.exit_code == 1
    assert "[失败] tamper.structure" in second.output and "evil.example" in second.output


def test_bad_input_is_a_message_not_a_traceback(tmp_path):
    assert invoke("ftp://example.org/").exit_code == 2
    broken = tmp_path / "b.json"
    broken.write_text("{not json")
    result = invoke("http://127.0.0.1:9/", "--baseline", str(broken))
    assert result.exit_code == 2 and "not a baseline file" in result.output
