"""`dengbao monitor check URL`: run every website check once, as the scheduler will (no database)."""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path
from typing import Any

import click

from .common import echo_json


class MonitorInputError(click.ClickException):
    exit_code = 2


@click.group(name="monitor")
def command() -> None:
    """网站监测：可用性、TLS、篡改、暗链、敏感词 (website monitoring)."""


def _read_text(path: str | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MonitorInputError(f"{what} {path}: cannot read it ({exc})") from None


@command.command(name="check")
@click.argument("url")
@click.option(
    "--allow-private",
    is_flag=True,
    help="allow private targets (RFC 1918, ULA: a monitor zone inside the network)",
)
@click.option(
    "--allow-address",
    "allow_addresses",
    multiple=True,
    metavar="NET",
    help="also allow this address or network, even loopback, link-local or metadata (repeatable)",
)
@click.option(
    "--spider/--no-spider", default=True, show_default=True, help="also fetch as search-engine spiders"
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="seconds for the whole fetch")
@click.option("--expect-status", type=int, multiple=True, help="accepted final status (repeatable)")
@click.option("--keyword", multiple=True, help="text the page must contain (repeatable)")
@click.option(
    "--ignore", "ignore_selectors", multiple=True, help="CSS selector of a part that changes legitimately"
)
@click.option("--ca-file", type=click.Path(dir_okay=False), help="extra trusted CA certificates (PEM)")
@click.option("--insecure", is_flag=True, help="fetch even if the certificate does not verify")
@click.option("--no-weak-tls", "skip_weak", is_flag=True, help="do not probe for TLS 1.0/1.1")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), help="approved baseline JSON")
@click.option(
    "--save-baseline", type=click.Path(dir_okay=False), help="approve this fetch as the baseline file"
)
@click.option("--approved-by", default=None, help="who approves --save-baseline (default: the OS user)")
@click.option("--json", "as_json", is_flag=True, help="print the per-condition results as JSON")
def check_cmd(
    url: str,
    allow_private: bool,
    allow_addresses: tuple[str, ...],
    spider: bool,
    timeout: float,
    expect_status: tuple[int, ...],
    keyword: tuple[str, ...],
    ignore_selectors: tuple[str, ...],
    ca_file: str | None,
    insecure: bool,
    skip_weak: bool,
    baseline_file: str | None,
    save_baseline: str | None,
    approved_by: str | None,
    as_json: bool,
) -> None:
    """Check URL once. Exit status 0 when every condition passes, 1 when any fails."""
    from dengbao.core.monitor.engine import MonitorConfig, run_checks
    from dengbao.core.monitor.normalise import NormaliseOptions
    from dengbao.core.monitor.ssrf import TargetPolicy
    from dengbao.core.monitor.tamper import Baseline
    from dengbao.core.monitor.urls import BadURL, parse_web_url

    try:
        parse_web_url(url)
    except BadURL as exc:
        raise MonitorInputError(f"{url}: {exc.reason}") from None
    try:
        policy = TargetPolicy.build(allow_private=allow_private, networks=allow_addresses)
    except ValueError as exc:
        raise MonitorInputError(f"--allow-address: {exc}") from None
    baseline = None
    baseline_text = _read_text(baseline_file, "--baseline")
    if baseline_text is not None:
        try:
            baseline = Baseline.from_dict(json.loads(baseline_text))
        except (ValueError, KeyError, TypeError) as exc:
            raise MonitorInputError(f"--baseline {baseline_file}: not a baseline file ({exc})") from None
    config = MonitorConfig(
        url=url,
        timeout=timeout,
        expected_status=expect_status,
        keywords_present=keyword,
        verify_tls=not insecure,
        extra_ca_pem=_read_text(ca_file, "--ca-file"),
        check_weak_tls=not skip_weak,
        spider=spider,
        normalise=NormaliseOptions(ignore_selectors=ignore_selectors),
    )
    try:
        report = asyncio.run(run_checks(config, policy=policy, baseline=baseline))
    except ValueError as exc:  # a malformed URL or certificate file
        raise MonitorInputError(str(exc)) from None
    if save_baseline:
        if report.snapshot is None:
            raise click.ClickException("the page could not be fetched; no baseline saved")
        approved = Baseline.approve(
            report.snapshot, approved_by=approved_by or getpass.getuser(), previous=baseline
        )
        Path(save_baseline).write_text(
            json.dumps(approved.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    if as_json:
        echo_json(report.to_dict())
    else:
        _summary(report.to_dict(), saved=save_baseline)
    if report.failed:
        raise SystemExit(1)


def _summary(data: dict[str, Any], *, saved: str | None) -> None:
    from dengbao.core.monitor.results import Severity

    click.echo(f"网站监测：{data['url']}")
    if data["available"]:
        click.echo(
            f"可用性：可用（HTTP {data['status_code']}，响应 {data['response_ms']:.0f} ms，"
            f"DNS {data['dns_ms']:.0f} ms）"
        )
    else:
        reason = next((c["detail"] for c in data["conditions"] if not c["ok"]), "")
        click.echo(f"可用性：不可用（{reason}）")
    tls = data["tls"]
    if tls and not tls.get("error"):
        weak = tls["weak_protocols"]
        weak_text = "未检测" if weak is None else ("、".join(weak) if weak else "无")
        click.echo(
            f"TLS：{tls['protocol']}，证书剩余 {tls['days_left']} 天（{tls['not_after']}），"
            f"域名匹配：{'是' if tls['hostname_match'] else '否'}，弱版本：{weak_text}"
        )
    click.echo("检查项：")
    for cond in data["conditions"]:
        mark = "通过" if cond["ok"] else "失败"
        click.echo(f"  [{mark}] {cond['name']}：{cond['detail']}")
    if data["dark_links"]:
        click.echo(f"可疑链接（暗链）{len(data['dark_links'])} 个：")
        for link in data["dark_links"]:
            level = Severity(link["severity"]).label
            level += "危" if len(level) == 1 else ""
            click.echo(f"  [{level}] {link['url']} “{link['text']}” {link['reason']}")
    if saved:
        click.echo(f"已将本次页面批准为基线：{saved}")
    click.echo("结论：" + ("全部通过" if data["ok"] else f"{len(data['failed'])} 项未通过"))
