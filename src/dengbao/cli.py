"""The ``dengbao`` command.

dengbao's own commands are click commands in ``dengbao/commands/``; any other name is
passed to Django's management commands, so ``dengbao migrate`` and
``dengbao createsuperuser`` work as ``manage.py`` would.
"""

from __future__ import annotations

import sys

import click

from dengbao import __version__
from dengbao.commands.common import setup_django


def _django_command_names() -> list[str]:
    setup_django()
    from django.core.management import get_commands

    return sorted(get_commands())


def _passthrough(name: str) -> click.Command:
    @click.command(
        name=name,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
        add_help_option=False,
        help=f"Django management command `{name}`.",
    )
    @click.pass_context
    def run(ctx: click.Context) -> None:
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["dengbao", name, *ctx.args])

    return run


class DengbaoGroup(click.Group):
    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        if cmd_name in _django_command_names():
            return _passthrough(cmd_name)
        return None

    def invoke(self, ctx: click.Context):
        """Permission refusals and missing objects end the command with a message, not a traceback."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        try:
            return super().invoke(ctx)
        except PermissionDenied as exc:
            raise click.ClickException(f"permission denied: {exc} (您没有权限执行此操作)") from None
        except Http404 as exc:
            raise click.ClickException(f"not found: {exc} (对象不存在或您无权查看)") from None

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        with formatter.section("Django commands (passed through)"):
            formatter.write_text(
                "Every Django management command works too, e.g. `dengbao migrate`, "
                "`dengbao createsuperuser`, `dengbao check --deploy`. `dengbao help` lists them."
            )


@click.group(cls=DengbaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dengbao")
def main() -> None:
    """dengbao — 网络安全等级保护 2.0 平台 (MLPS 2.0 platform)."""


from dengbao.commands import register  # noqa: E402

register(main)

if __name__ == "__main__":
    sys.exit(main())
