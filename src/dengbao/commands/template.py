"""`dengbao template`: start, check and try out an organisation's own Word template.

``check`` is exactly the upload's validation (fields, then a render with sample data in the
limited child process); ``render`` shows what the template makes of the sample data under the
same limits. Both exit 2 with the reasons when the template is refused. The kinds are read
from ``core/documents/kinds.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

REFUSED = 2


def _kinds() -> dict:
    from dengbao.core.documents.kinds import KINDS

    return KINDS


class _KindsListed(click.Command):
    """A command whose help ends with the document kinds (imported only when help is shown)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _list_kinds(formatter)
        super().format_epilog(ctx, formatter)


class _KindsGroup(click.Group):
    command_class = _KindsListed

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _list_kinds(formatter)
        super().format_epilog(ctx, formatter)


def _list_kinds(formatter: click.HelpFormatter) -> None:
    with formatter.section("Kinds (--kind)"):
        formatter.write_dl([(key, spec.label) for key, spec in _kinds().items()])


class _Kind(click.ParamType):
    name = "KIND"

    def convert(self, value, param, ctx):
        kinds = _kinds()
        if value not in kinds:
            self.fail(f"unknown kind {value!r} (未知的文档类型); one of: {', '.join(kinds)}", param, ctx)
        return value


KIND = click.option("--kind", required=True, type=_Kind(), help="document kind (listed below)")
TEMPLATE = click.argument(
    "template", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)


@click.group(name="template", cls=_KindsGroup)
def command() -> None:
    """模板：导出内置模板、检查或试渲染本单位的 Word 模板 (organisation templates)."""


@command.command(name="export")
@KIND
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_cmd(kind: str, output: Path) -> None:
    """导出某类文档的内置模板，作为本单位模板的起点 (the shipped template)."""
    output.write_bytes(_kinds()[kind].default.read_bytes())
    click.echo(f"{output}（{_kinds()[kind].label}，内置模板）")


@command.command(name="check")
@KIND
@TEMPLATE
def check_cmd(kind: str, template: Path) -> None:
    """检查模板：与上传时相同的检查，加上在限制下用示例数据渲染一次；通过退出码 0，不通过退出码 2."""
    _limits_from_settings()
    from dengbao.core.documents.kinds import check_template

    problems = check_template(template, kind)
    if problems:
        _refuse(f"模板 {template.name} 未通过检查：", problems)
    click.echo(f"模板 {template.name} 通过检查（{_kinds()[kind].label}）")


@command.command(name="render")
@KIND
@TEMPLATE
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def render_cmd(kind: str, template: Path, output: Path) -> None:
    """用示例数据在同样的限制下渲染模板，写出 .docx；被拒绝或超限时退出码 2."""
    _limits_from_settings()
    from dengbao.core.documents.builder import DocumentError
    from dengbao.core.documents.kinds import render_sample

    try:
        content = render_sample(template, kind)
    except DocumentError as exc:
        _refuse("渲染被拒绝：", [str(exc)])
    output.write_bytes(content)
    click.echo(f"{output}（{len(content)} 字节）")


def _limits_from_settings() -> None:
    """The limits the server uses (``DENGBAO_TEMPLATE_*``), without setting Django up: these
    commands touch no database and write nothing but their output."""
    import os

    from dengbao.core.documents import isolation

    try:
        isolation.configure(isolation.RenderLimits.from_env(os.environ))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _refuse(title: str, reasons: list[str]) -> None:
    click.echo(title, err=True)
    for reason in reasons:
        click.echo(f"  - {reason}", err=True)
    sys.exit(REFUSED)
