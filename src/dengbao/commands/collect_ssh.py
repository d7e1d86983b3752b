"""`dengbao collect ssh`: live Linux collection over SSH, inside the signed authorisation's scope."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .common import cli_actor, echo_json, project_option, user_option

STATUS = {
    "imported": "已导入",
    "collected": "已采集，导入中",
    "refused": "已拒绝（授权范围）",
    "invalid": "无效目标",
    "auth": "认证失败",
    "timeout": "超时",
    "host_key": "主机密钥不符",
    "unreachable": "无法连接",
    "key": "私钥错误",
    "script": "脚本出错",
    "bundle": "采集包无效",
    "error": "出错",
    "no_object": "无对应测评对象",
    "import_failed": "导入失败",
}


class Refused(click.ClickException):
    exit_code = 2


def _targets(targets: str, targets_file: Path | None) -> list[str]:
    items = [t for t in targets.replace("\n", ",").split(",")]
    if targets_file is not None:
        for line in targets_file.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            items.extend(line.replace(",", " ").split())
    return [t.strip() for t in items if t.strip()]


def _line(report) -> str:
    where = f"{report.target}" + (
        f" ({report.address})" if report.address and report.address != report.target else ""
    )
    head = f"{where}：{STATUS.get(report.status, report.status)}"
    if report.summary is not None:
        c = report.summary.counts
        head += (
            f" → {report.object}：规则 通过 {c['pass']}，不通过 {c['fail']}，"
            f"不适用 {c['na']}，出错 {c['error']}；建议结果 {len(report.summary.proposals)} 条"
        )
    elif report.message:
        head += f"：{report.message}"
    if report.host_key == "recorded":
        head += f"（首次连接，已记录主机密钥 {report.fingerprint}）"
    if report.seconds:
        head += f" [{report.seconds:.1f} s]"
    return head


def _assessment(actor, project_slug: str, assessment_id: int):
    from dengbao.accounts import permissions
    from dengbao.assessments import selectors

    project = permissions.project_for(actor, project_slug, "project.view_internal")
    return selectors.assessment_get(actor=actor, project=project, assessment_id=assessment_id)


@click.command(name="ssh")
@click.option("--assessment", "assessment_id", type=int, required=True, help="assessment ID")
@click.option("--targets", default="", help="HOST[,HOST…] (addresses or names the authorisation lists)")
@click.option(
    "--targets-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="one host a line"
)
@click.option("--login", "-l", "login", required=True, help="SSH login name on the targets")
@click.option("--auth", "key_file", type=click.Path(exists=True, dir_okay=False), help="private key file")
@click.option("--password-prompt", is_flag=True, help="ask for the SSH password (kept in memory only)")
@click.option("--port", type=int, default=22, show_default=True)
@click.option("--parallel", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option(
    "--timeout", type=click.IntRange(10, 3600), default=90, show_default=True, help="seconds per host"
)
@click.option("--json", "as_json", is_flag=True, help="print a JSON summary per host")
@project_option
@user_option
def ssh_cmd(
    assessment_id: int,
    targets: str,
    targets_file: Path | None,
    login: str,
    key_file: str | None,
    password_prompt: bool,
    port: int,
    parallel: int,
    timeout: int,
    as_json: bool,
    project_slug: str,
    username: str | None,
) -> None:
    """Collect Linux hosts over SSH (read-only script via stdin) and import their bundles as proposals.

    A target outside the scope of the project's signed authorisation (technique 登录核查) is refused
    before any packet and audited. Host keys are recorded on first use per assessment; a changed key
    is refused. Exit code 1 when any host failed.
    """
    logging.getLogger("asyncssh").setLevel(logging.WARNING)  # its INFO lines would mix with the output
    if bool(key_file) == password_prompt:
        raise click.UsageError("give exactly one of --auth KEYFILE or --password-prompt")
    hosts = _targets(targets, targets_file)
    if not hosts:
        raise click.UsageError("name the targets with --targets or --targets-file")
    actor = cli_actor(username)
    from django.core.exceptions import ValidationError

    from dengbao.accounts import permissions
    from dengbao.assessments import selectors
    from dengbao.collection import ssh_services
    from dengbao.core.collect.ssh import Credentials
    from dengbao.core.scanner import Technique
    from dengbao.scanning import scan_services

    project = permissions.project_for(actor, project_slug, "project.view_internal")
    assessment = selectors.assessment_get(actor=actor, project=project, assessment_id=assessment_id)
    password = click.prompt("SSH 口令", hide_input=True, err=True) if password_prompt else None
    creds = Credentials(username=login, key_file=key_file, password=password)

    def gate(target: str, port_: int, lookup) -> str:
        verdict = scan_services.target_authorise(
            actor=actor,
            project=assessment.project,
            target=target,
            port=port_,
            technique=Technique.CONFIG_CHECK,
            action="collection.ssh_refused",
            lookup=lookup,
        )
        return "" if verdict.allowed else verdict.reason

    def progress(report) -> None:
        if not as_json:
            click.echo(_line(report))

    try:
        reports = ssh_services.collect_ssh(
            actor=actor,
            assessment=assessment,
            targets=hosts,
            credentials=creds,
            gate=gate,
            port=port,
            parallel=parallel,
            timeout=timeout,
            progress=progress,
        )
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from None
    if as_json:
        echo_json({"hosts": [r.as_json() for r in reports]})
    else:
        done = sum(r.ok for r in reports)
        click.echo(f"完成：{done}/{len(reports)} 台主机已采集并导入")
    if not all(r.ok for r in reports):
        raise SystemExit(1)


@click.command(name="ssh-host-keys")
@click.option("--assessment", "assessment_id", type=int, required=True, help="assessment ID")
@click.option("--forget", "forget", default="", metavar="ADDRESS", help="remove this host's recorded key")
@click.option("--port", type=int, default=22, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@project_option
@user_option
def host_keys_cmd(
    assessment_id: int, forget: str, port: int, as_json: bool, project_slug: str, username: str | None
) -> None:
    """List the SSH host keys recorded on first use, or forget one (after checking the new key)."""
    actor = cli_actor(username)
    from django.core.exceptions import ValidationError

    from dengbao.collection import ssh_services
    from dengbao.collection.models import SshHostKey

    assessment = _assessment(actor, project_slug, assessment_id)
    if forget:
        try:
            key = ssh_services.host_key_forget(actor=actor, assessment=assessment, host=forget, port=port)
        except ValidationError as exc:
            raise Refused("；".join(exc.messages)) from None
        click.echo(f"已删除 {key.host}:{key.port} 的主机密钥记录（{key.fingerprint}），下次连接时重新记录")
        return
    rows = [
        {"host": k.host, "port": k.port, "fingerprint": k.fingerprint, "recorded_at": k.recorded_at}
        for k in SshHostKey.objects.filter(assessment=assessment)
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['host']}:{row['port']} {row['fingerprint']} {row['recorded_at']:%Y-%m-%d %H:%M}")
