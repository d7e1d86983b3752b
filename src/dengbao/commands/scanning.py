"""`dengbao import-scan` and `dengbao scan run`: scanner reports into the findings, authorised scans.

Both act as a project member (--user or DENGBAO_USER) through the same services as the web
pages: the same permission checks, the same single-transaction import, the same refusal of
anything outside the project's signed authorisation (audited).
"""

from __future__ import annotations

from pathlib import Path

import click

from .common import cli_actor, echo_json, project_option, user_option

FORMATS = (
    "nmap",
    "nessus",
    "nessus-csv",
    "openvas",
    "openvas-csv",
    "nuclei",
    "zap",
    "acunetix",
    "qualys",
    "xray",
    "csv",
)  # the importer registry's names (tests/scanning checks they agree); listed here so --help needs no import


class Refused(click.ClickException):
    """Exit code 2: the request was refused (out of scope, malformed file, too large)."""

    exit_code = 2


def _project(username: str | None, slug: str):
    actor = cli_actor(username)
    from dengbao.accounts import permissions

    return actor, permissions.project_for(actor, slug, "project.record")


@click.command(name="import-scan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "auto"]), default="auto", show_default=True)
@click.option("--system", "system_ref", default=None, help="system ID, code or name the findings belong to")
@click.option(
    "--covers",
    default="",
    help="targets the scan ran against that the file may not show (IPs, CIDRs, names, URLs, "
    "comma-separated): the tool's findings there count as looked for, e.g. for an empty Nuclei output",
)
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@project_option
@user_option
def import_scan_cmd(
    file: Path,
    fmt: str,
    system_ref: str | None,
    covers: str,
    as_json: bool,
    project_slug: str,
    username: str | None,
) -> None:
    """导入扫描报告 (nmap, Nessus, OpenVAS, Nuclei, ZAP, Acunetix, Qualys, xray, CSV), all or nothing.

    Exit code 2 with the reason when the file is refused (malformed, wrong format, too large).
    """
    actor, project = _project(username, project_slug)
    from django.core.exceptions import ValidationError

    from dengbao.core.importers import ImportFormatError
    from dengbao.scanning.import_services import import_scan

    system = None
    if system_ref:
        from .docs import _system

        system = _system(project, system_ref)
    try:
        imp = import_scan(actor=actor, project=project, fmt=fmt, path=file, system=system, covers=covers)
    except ImportFormatError as exc:
        raise Refused(str(exc)) from None
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from None
    summary = imp.summary()
    if as_json:
        echo_json(summary)
        return
    counts, services = imp.counts(), summary["services"]
    click.echo(
        f"{imp.filename}（{imp.fmt}）：主机 {imp.hosts}；端口 新开放 {services['new']}，仍开放 "
        f"{services['unchanged']}，已关闭 {services['closed']}；漏洞 新增 {counts['created']}，仍存在 "
        f"{counts['updated']}，已消失 {counts['closed']}，重新出现 {counts['reopened']}，"
        f"重复 {counts['duplicates']}"
    )
    if not imp.complete:
        click.echo("扫描未完成：本次导入没有关闭任何端口或漏洞")
    for warning in summary["warnings"]:
        where = f"{warning['where']}：" if warning["where"] else ""
        click.echo(f"警告 {warning['number']}：{where}{warning['message']}")


@click.group(name="scan")
def scan_group() -> None:
    """授权范围内的端口与服务扫描 (authorised scans)."""


@scan_group.command(name="run")
@click.option(
    "--targets",
    required=True,
    multiple=True,
    help="IP, CIDR, host name or URL (repeatable or comma-separated)",
)
@click.option("--ports", default="", help='e.g. "1-65535" or "22,80,443" (default: the profile\'s ports)')
@click.option(
    "--profile", type=click.Choice(["quick", "full", "service", "web"]), default="quick", show_default=True
)
@click.option("--engine", type=click.Choice(["auto", "builtin", "nmap"]), default="auto", show_default=True)
@click.option("--rate", type=int, default=0, show_default=True, help="connections per second; 0 = no limit")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
@project_option
@user_option
def scan_run_cmd(
    targets: tuple[str, ...],
    ports: str,
    profile: str,
    engine: str,
    rate: int,
    as_json: bool,
    project_slug: str,
    username: str | None,
) -> None:
    """Scan now, in this process; refused with the reason when outside the project's authorisation."""
    actor, project = _project(username, project_slug)
    from django.core.exceptions import ValidationError

    from dengbao.scanning import scan_services
    from dengbao.scanning.models import Scan

    try:
        scan = scan_services.scan_create(
            actor=actor,
            project=project,
            targets=",".join(targets),
            ports=ports,
            profile=profile,
            engine=engine,
            rate_limit=rate,
            start=False,
        )
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from None
    if scan.status == Scan.Status.REFUSED:
        _refused(scan, as_json)
    result = scan_services.scan_execute(scan.pk)
    scan.refresh_from_db()
    if scan.status == Scan.Status.REFUSED:
        _refused(scan, as_json)
    if result is None:
        raise click.ClickException(f"扫描失败：{scan.error or scan.get_status_display()}")
    data = result.to_dict()
    data["scan"] = scan.pk
    if as_json:
        echo_json(data)
        return
    click.echo(f"引擎 {result.engine}，用时 {result.seconds:.1f} 秒，开放端口 {len(result.open)} 个：")
    for port in result.open:
        click.echo(
            f"  {port.host}:{port.port}/{port.protocol} {port.service} {port.product} {port.version}".rstrip()
        )


def _refused(scan, as_json: bool) -> None:
    if as_json:
        echo_json({"refused": True, "scan": scan.pk, "reason": scan.refused_reason})
    raise Refused(f"扫描被拒绝：{scan.refused_reason}")
