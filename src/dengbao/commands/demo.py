"""`dengbao demo` and `dengbao createadmin`: what `make run` loads on a fresh machine."""

from __future__ import annotations

import os
import stat

import click

from .common import cli_setup, echo_json


def _save_credentials(credentials: dict[str, str]) -> str:
    from django.conf import settings

    path = settings.VAR_DIR / "demo-credentials.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "a") as fh:
        for username, password in credentials.items():
            fh.write(f"{username}\t{password}\n")
    return str(path)


@click.command(name="demo")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def command(as_json: bool) -> None:
    """载入演示项目（幂等）(load the demo engagement; idempotent)."""
    cli_setup()
    from rich.progress import Progress

    from dengbao import demo

    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("demo", total=len(demo.STEPS))

        def advance(name: str) -> None:
            progress.update(task, advance=1, description=name)

        report = demo.load(progress=advance)
    saved = _save_credentials(report.credentials) if report.credentials else None
    if as_json:
        echo_json({"project": demo.DEMO_SLUG, "created": report.created, "credentials": report.credentials})
        return
    if not report.created:
        click.echo(f"演示项目 '{demo.DEMO_SLUG}' 已存在，未做改动 (demo already loaded).")
        return
    click.echo(f"演示项目 '{demo.DEMO_SLUG}' 已载入：{len(report.created)} 项。")
    if report.credentials:
        click.echo(f"演示账号（仅显示这一次，另存于 {saved}）：")
        for username, password in report.credentials.items():
            click.echo(f"  {username:<10} {password}")


_ADMIN_NAMES = {"sysadmin": "系统管理员", "secadmin": "安全管理员", "auditadmin": "审计管理员"}


@click.command(name="createadmin")
@click.option("--username", default="admin", show_default=True)
@click.option(
    "--role",
    type=click.Choice(sorted(_ADMIN_NAMES)),
    default="sysadmin",
    show_default=True,
    help="platform role: system, security or audit administrator",
)
def createadmin(username: str, role: str) -> None:
    """创建平台管理员（密码取自 DENGBAO_ADMIN_PASSWORD，否则随机生成并只显示一次）.

    The three administrators (三权分立) are created here, on the server, by whoever installs
    the platform; afterwards the security administrator grants platform roles on the web.
    """
    cli_setup()
    from dengbao.accounts import services
    from dengbao.accounts.models import Organisation, User
    from dengbao.accounts.roles import PlatformRole

    title = _ADMIN_NAMES[role]
    if User.objects.filter(username=username).exists():
        click.echo(f"用户 '{username}' 已存在，未做改动 (user exists).")
        return
    password = os.environ.get("DENGBAO_ADMIN_PASSWORD") or services.generate_password()
    org = Organisation.objects.filter(kind="provider").order_by("pk").first()
    services.user_create(
        actor=None,
        username=username,
        password=password,
        organisation=org,
        display_name=title,
        platform_role=PlatformRole(role),
    )
    if os.environ.get("DENGBAO_ADMIN_PASSWORD"):
        click.echo(f"{title} '{username}' 已创建，密码取自 DENGBAO_ADMIN_PASSWORD。")
    else:
        click.echo(f"{title} '{username}' 已创建，密码（只显示这一次）：{password}")
