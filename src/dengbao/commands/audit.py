"""`dengbao audit verify` and `dengbao audit export`: the audit trail from the command line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .common import cli_actor, cli_setup, echo_json, user_option


@click.group(name="audit")
def group() -> None:
    """审计日志：校验带密钥的哈希链、链头锚点、导出 (audit log: verify the keyed chain, anchor, export)."""


def _anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    from dengbao.core import hashchain

    try:
        return hashchain.parse_anchor(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--anchor") from None


@group.command(name="verify")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
@click.option(
    "--anchor", "anchor_text", metavar="SEQ:HASH", help="also check the chain still holds this head"
)
@click.pass_context
def verify(ctx: click.Context, as_json: bool, anchor_text: str | None) -> None:
    """校验整条审计链（带密钥的 HMAC）：完整时退出码 0；有记录被改动、删除或重新链接时退出码 1，
    并指出第一条断裂的记录；密钥文件缺失或不符时退出码 2。--anchor 另核对先前用
    `dengbao audit anchor` 记下的链头仍在链中。"""
    anchor = _anchor(anchor_text)
    cli_setup()
    from rich.console import Console
    from rich.progress import Progress

    from dengbao.accounts import audit_log as selectors
    from dengbao.audit.models import AuditEvent

    total = AuditEvent.objects.count()
    with Progress(transient=True, disable=as_json, console=Console(stderr=True)) as progress:
        task = progress.add_task("校验审计链 verifying", total=total)
        status = selectors.chain_status_unaudited(progress=lambda n: progress.advance(task, n), anchor=anchor)
    if as_json:
        echo_json(
            {
                "intact": status.intact,
                "records": status.records,
                "broken_seq": status.broken_seq,
                "reason": status.reason or None,
                **({"key_problem": True} if status.key_problem else {}),
                **({"anchor": anchor_text} if anchor else {}),
            }
        )
    elif status.intact:
        held = f"，链中仍有锚点 {anchor[0]} (anchor held)" if anchor else ""
        click.echo(
            f"审计链完整：已校验 {status.records} 条记录{held} "
            f"(audit chain intact: {status.records} records)."
        )
    elif status.key_problem:
        click.echo(f"无法校验审计链 (cannot verify the audit chain): {status.reason}", err=True)
    else:
        click.echo(
            f"审计链已损坏：第 {status.broken_seq} 条记录 — {status.reason} "
            f"(audit chain broken at seq {status.broken_seq}; {status.records} records present)."
        )
    if status.key_problem:
        ctx.exit(2)
    if not status.intact:
        ctx.exit(1)


@group.command(name="anchor")
@click.pass_context
def anchor(ctx: click.Context) -> None:
    """打印审计链的链头 SEQ:HASH（先完整校验）；请另处保存，日后用 `dengbao audit verify --anchor` 核对。"""
    cli_setup()
    from dengbao.accounts import audit_log as selectors
    from dengbao.audit import services
    from dengbao.core import hashchain

    status = selectors.chain_status_unaudited()
    if not status.intact:
        click.echo(f"审计链未通过校验，不输出锚点 (chain not intact, no anchor): {status.reason}", err=True)
        ctx.exit(2 if status.key_problem else 1)
    click.echo(hashchain.format_anchor(*services.head()))


def _counting(rows: Iterator[list[Any]], tally: list[int]) -> Iterator[list[Any]]:
    for row in rows:
        tally[0] += 1
        yield row


@group.command(name="export")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write"
)
@user_option
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="first day, local time (YYYY-MM-DD)")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="last day, inclusive (YYYY-MM-DD)")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def export(output: Path, username: str | None, since: Any, until: Any, as_json: bool) -> None:
    """导出审计日志为 CSV（UTF-8 带 BOM，已防公式注入）；仅审计管理员，导出本身亦记入审计。"""
    actor = cli_actor(username)
    from django.core.exceptions import PermissionDenied

    from dengbao.accounts import audit_log as selectors
    from dengbao.core import spreadsheet

    filters = selectors.EventFilter(
        date_from=since.date() if since else None, date_to=until.date() if until else None
    )
    try:
        rows = selectors.export_rows(actor=actor, filters=filters)
    except PermissionDenied:
        raise click.ClickException(
            f"权限不足：只有审计管理员可以导出审计日志；{actor.username} 不是审计管理员，此次尝试已记入审计。"
            " (permission denied: exporting the audit log needs audit.read)"
        ) from None
    tally = [0]
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for chunk in spreadsheet.csv_chunks(_counting(rows, tally)):
            fh.write(chunk)
    records = max(tally[0] - 1, 0)
    if as_json:
        echo_json({"output": str(output), "records": records, "filters": filters.as_details()})
    else:
        click.echo(f"已导出 {records} 条审计记录到 {output} (exported {records} records).")
