"""`dengbao docs …`: the grading documents from the command line (as the acting --user)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import cli_actor, project_option, user_option


def _system(project, ref: str):
    from django.db.models import Q

    query = Q(code__iexact=ref) | Q(name=ref)
    if ref.isdigit():
        query |= Q(pk=int(ref))
    system = project.systems.filter(query).first()
    if system is None:
        raise click.UsageError(f"no system {ref!r} in project {project.slug} (give its ID, code or name)")
    return system


def _make(kind: str, system_ref: str, output: Path, username: str | None, project_slug: str, **kw) -> None:
    actor = cli_actor(username)
    from dengbao.accounts import permissions
    from dengbao.reports.documents import DocumentNotReady, document_make

    project = permissions.project_for(actor, project_slug, "project.view_internal")
    system = _system(project, system_ref)
    name = "grading_report" if kind == "grading" else "filing_form"
    try:
        made = document_make(actor=actor, project=project, kind=name, system=system, **kw)
    except DocumentNotReady as exc:
        raise click.ClickException(exc.messages[0]) from None
    output.write_bytes(made.content)
    click.echo(f"{made.document.filename} v{made.document.version} sha256={made.document.sha256} -> {output}")


@click.group(name="docs")
def command() -> None:
    """定级备案文档：定级报告、备案表 (Word)."""


@command.command(name="grading-report")
@click.option("--system", "system_ref", required=True, help="system ID, code or name")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@project_option
@user_option
def grading_report_cmd(system_ref: str, output: Path, project_slug: str, username: str | None) -> None:
    """定级报告 (2025 template) for one system."""
    _make("grading", system_ref, output, username, project_slug)


@command.command(name="filing-form")
@click.option("--system", "system_ref", required=True, help="system ID, code or name")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--legacy", is_flag=True, help="the legacy 表一–表四 layout")
@project_option
@user_option
def filing_form_cmd(
    system_ref: str, output: Path, legacy: bool, project_slug: str, username: str | None
) -> None:
    """备案表 (2025 form, or --legacy) for one system."""
    _make("filing", system_ref, output, username, project_slug, layout="legacy" if legacy else "2025")


@command.command(name="all")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@project_option
@user_option
def all_cmd(output: Path, project_slug: str, username: str | None) -> None:
    """Every system's 定级报告 and 备案表 as one zip."""
    actor = cli_actor(username)
    from dengbao.accounts import permissions
    from dengbao.reports.filing_documents import make_all

    project = permissions.project_for(actor, project_slug, "project.view_internal")
    content, problems = make_all(actor=actor, project=project)
    output.write_bytes(content)
    for problem in problems:
        click.echo(f"未生成：{problem}", err=True)
    click.echo(f"-> {output}")
