"""`dengbao backup` and `dengbao restore`: the whole installation in one checked archive."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from .common import cli_setup, echo_json


class _RichProgress:
    """The backup module's progress protocol, shown as rich progress bars on stderr."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, label: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(label, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def pause(self) -> None:
        self.progress.stop()

    def resume(self) -> None:
        self.progress.start()


@contextmanager
def _progress(as_json: bool) -> Iterator[_RichProgress]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True, disable=as_json, console=Console(stderr=True)) as progress:
        yield _RichProgress(progress)


def _operator() -> str:
    """Who ran the command, for the audit record: the operating-system account."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return "os:unknown"


def _fail(headline: str, message: str, as_json: bool, code: int = 1) -> NoReturn:
    if as_json:
        echo_json({"ok": False, "error": message})
    else:
        click.echo(f"{headline}\n  {message}", err=True)
    raise SystemExit(code)


@click.command(name="backup")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="archive to write"
)
@click.option(
    "--include-audit-key",
    is_flag=True,
    help="also put the audit chain's key in the archive (default: never; guard such an archive like the key)",
)
@click.option("--json", "as_json", is_flag=True, help="print a machine-readable summary")
def command(output: Path, include_audit_key: bool, as_json: bool) -> None:
    """备份数据库与上传文件到一个归档 (back up the database and uploaded files into one tar.gz).

    审计密钥默认不进入归档；加 --include-audit-key 才放入。"""
    cli_setup()
    from dengbao import backup

    try:
        with _progress(as_json) as progress:
            summary = backup.create(
                output=output, progress=progress, actor_name=_operator(), include_audit_key=include_audit_key
            )
    except backup.BackupError as exc:
        _fail("备份失败 (backup failed):", str(exc), as_json)
    if as_json:
        echo_json({"ok": True, **summary.as_dict()})
        return
    click.echo(
        f"备份已写入 {summary.archive}：{summary.objects} 条数据库记录，{summary.media_files} 个上传文件，"
        f"{summary.size} 字节，SHA-256 {summary.sha256}"
    )
    if summary.skipped_media:
        click.echo(f"未备份（链接或非普通文件）：{', '.join(summary.skipped_media)}", err=True)


@click.command(name="restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="replace the current data without asking")
@click.option(
    "--discard-newer-audit",
    is_flag=True,
    help="when the current audit log is longer than the archive's: export the newer records "
    "to a JSONL file under var/audit-discarded/ first, then restore",
)
@click.option("--json", "as_json", is_flag=True, help="print a machine-readable summary")
def restore(archive: Path, yes: bool, discard_newer_audit: bool, as_json: bool) -> None:
    """从备份恢复：先完整校验归档，通过后才替换全部数据与上传文件 (verify, then restore).

    解包前检查大小、压缩比与剩余磁盘空间；当前审计日志比归档中的长时拒绝，除非加
    --discard-newer-audit（先导出较新的记录）。因限制或审计链被拒绝时退出码 2，归档损坏时退出码 1。"""
    cli_setup()
    from dengbao import backup

    headline = "拒绝恢复，当前数据未做任何改动 (restore refused, nothing was changed):"
    try:
        with (
            _progress(as_json) as progress,
            backup.staged_restore(
                archive, progress=progress, discard_newer_audit=discard_newer_audit
            ) as staged,
        ):
            manifest = staged.manifest
            if not yes:
                progress.pause()
                click.echo(
                    f"归档已通过校验：dengbao {manifest.dengbao_version}，{manifest.database_vendor}，"
                    f"创建于 {manifest.created_at}；{manifest.objects} 条数据库记录，"
                    f"{len(manifest.media)} 个上传文件。",
                    err=True,
                )
                click.confirm(
                    "这将替换当前全部数据与上传文件，是否继续？(replace ALL current data?)",
                    abort=True,
                    err=True,
                )
                progress.resume()
            summary = staged.apply(progress=progress, actor_name=_operator())
    except backup.RestoreRefused as exc:
        _fail(headline, str(exc), as_json, code=2)
    except backup.BackupError as exc:
        _fail(headline, str(exc), as_json)
    if as_json:
        echo_json({"ok": True, **summary.as_dict()})
        return
    click.echo(
        f"已从 {summary.archive} 恢复：{summary.objects} 条数据库记录，{summary.media_files} 个上传文件。"
    )
    if summary.discarded_audit_file:
        click.echo(
            f"已先导出 {summary.discarded_audit_records} 条较新的审计记录到 {summary.discarded_audit_file} "
            f"(newer audit records exported to {summary.discarded_audit_file})"
        )
    if summary.audit_key_installed:
        click.echo("已从归档安装审计密钥，原密钥文件已改名保留 (audit key installed from the archive).")
    if summary.audit_intact:
        click.echo(f"审计链完整：{summary.audit_records} 条记录。")
    else:
        click.echo(f"警告：归档中的审计链已损坏（{summary.audit_break}）。", err=True)
