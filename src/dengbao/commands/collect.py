"""`dengbao collect`: read-only collection scripts, bundle import as proposals, rule coverage.

`script` and `rules` need no database; `import`, `proposals` and `accept` act as a project
member (--user or DENGBAO_USER) through the same services as the web pages.
"""

from __future__ import annotations

from pathlib import Path

import click

from .common import cli_actor, echo_json, project_option, user_option

SCRIPT_PLATFORMS = ("linux", "windows", "mysql", "postgresql", "oracle", "mssql")


class Refused(click.ClickException):
    """Exit code 2: the bundle or request was refused (malformed, tampered, finalised round)."""

    exit_code = 2


@click.group(name="collect")
def group() -> None:
    """自动化采集：采集脚本、导入采集包生成建议结果、规则覆盖 (evidence collection)."""


@group.command(name="script")
@click.argument("platform", type=click.Choice(SCRIPT_PLATFORMS))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def script_cmd(platform: str, output: Path) -> None:
    """Write the read-only collection script for PLATFORM (run it on the target: sh FILE [BUNDLE])."""
    if platform == "windows":
        from dengbao.core.collect.scripts import windows

        # UTF-8 with a BOM: Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page.
        output.write_text(windows.script(), encoding="utf-8-sig", newline="\r\n")
        click.echo(
            f"{output}: run `powershell -NoProfile -ExecutionPolicy Bypass -File {output.name}` "
            "on the host (as Administrator for a complete picture)"
        )
        return
    from dengbao.core.collect.scripts import DATABASE_SCRIPTS, linux

    if platform in DATABASE_SCRIPTS:
        module = DATABASE_SCRIPTS[platform]
        output.write_text(module.script(), encoding="utf-8")
        click.echo(f"{output}: the DBA runs it with their own client, e.g. {module.USAGE}")
        return
    output.write_text(linux.script(), encoding="utf-8")
    output.chmod(0o755)
    click.echo(f"{output}: run `sh {output.name}` on the host (as root for a complete picture)")


def _assessment(actor, project_slug: str, assessment_id: int):
    from dengbao.accounts import permissions
    from dengbao.assessments import selectors

    project = permissions.project_for(actor, project_slug, "project.view_internal")
    return selectors.assessment_get(actor=actor, project=project, assessment_id=assessment_id)


@group.command(name="import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assessment", "assessment_id", type=int, required=True, help="assessment ID")
@click.option("--object", "obj_name", required=True, help="assessment object name (测评对象名称)")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@project_option
@user_option
def import_cmd(
    bundle: Path, assessment_id: int, obj_name: str, as_json: bool, project_slug: str, username: str | None
) -> None:
    """Import a collection bundle for an object: store it as evidence, propose results per unit."""
    actor = cli_actor(username)
    from django.core.exceptions import ValidationError

    from dengbao.collection import services

    assessment = _assessment(actor, project_slug, assessment_id)
    obj = assessment.test_objects.filter(name=obj_name).first()
    if obj is None:
        raise Refused(f"测评对象“{obj_name}”不在该测评中")
    try:
        summary = services.bundle_import(actor=actor, obj=obj, data=bundle.read_bytes(), filename=bundle.name)
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from None
    if as_json:
        echo_json(summary.as_json())
        return
    c = summary.counts
    click.echo(
        f"{bundle.name} → {obj.name}：规则 通过 {c['pass']}，不通过 {c['fail']}，不适用 {c['na']}，"
        f"出错 {c['error']}；建议结果 {len(summary.proposals)} 条"
    )
    for p in summary.proposals:
        click.echo(f"  #{p.pk} {p.unit_id} {p.result}")
    for warning in summary.warnings:
        click.echo(f"警告：{warning}")


@group.command(name="proposals")
@click.option("--assessment", "assessment_id", type=int, required=True)
@click.option("--object", "obj_name", default="", help="only this object's proposals")
@click.option("--json", "as_json", is_flag=True)
@project_option
@user_option
def proposals_cmd(
    assessment_id: int, obj_name: str, as_json: bool, project_slug: str, username: str | None
) -> None:
    """List pending proposals."""
    actor = cli_actor(username)
    from dengbao.collection import selectors

    rows = selectors.proposals(
        actor=actor, assessment=_assessment(actor, project_slug, assessment_id), obj_name=obj_name
    )
    data = [
        {"proposal": p.pk, "object": p.record.obj.name, "unit": p.unit_id, "result": p.result, "note": p.note}
        for p in rows
    ]
    if as_json:
        echo_json(data)
        return
    for row in data:
        click.echo(f"#{row['proposal']} {row['object']} {row['unit']} {row['result']}")


@group.command(name="accept")
@click.argument("proposal_ids", nargs=-1, type=int)
@click.option("--assessment", "assessment_id", type=int, required=True)
@click.option("--object", "obj_name", default="", help="with --all: only this object's proposals")
@click.option("--all", "accept_all", is_flag=True, help="accept every pending proposal (bulk)")
@click.option("--json", "as_json", is_flag=True)
@project_option
@user_option
def accept_cmd(
    proposal_ids: tuple[int, ...],
    assessment_id: int,
    obj_name: str,
    accept_all: bool,
    as_json: bool,
    project_slug: str,
    username: str | None,
) -> None:
    """Accept proposals (IDs, or --all): writes the results; a person's result is never overwritten."""
    actor = cli_actor(username)
    from django.core.exceptions import ValidationError

    from dengbao.collection import selectors, services

    if not proposal_ids and not accept_all:
        raise click.UsageError("name proposal IDs or use --all")
    rows = selectors.proposals(
        actor=actor, assessment=_assessment(actor, project_slug, assessment_id), obj_name=obj_name
    )
    if proposal_ids:
        rows = rows.filter(pk__in=proposal_ids)
    try:
        summary = services.proposals_accept(actor=actor, proposals=rows)
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from None
    if as_json:
        echo_json(summary.as_json())
        return
    click.echo(f"已采纳 {len(summary.accepted)} 条，跳过 {len(summary.skipped)} 条")
    for p, why in summary.skipped:
        click.echo(f"  跳过 #{p.pk} {p.unit_id}：{why}")


@group.group(name="rules")
def rules_group() -> None:
    """采集规则 (rules as data)."""


@rules_group.command(name="stats")
@click.option(
    "--extra", type=click.Path(exists=True, dir_okay=False), default=None, help="an agency rules file"
)
@click.option("--json", "as_json", is_flag=True)
def rules_stats_cmd(extra: str | None, as_json: bool) -> None:
    """How many rules per platform, and which units they can decide per level."""
    from dengbao.core.collect import RuleError, load_rules
    from dengbao.core.collect.stats import coverage

    try:
        rules = load_rules(extra=extra)
    except RuleError as exc:
        raise Refused(str(exc)) from None
    stats = coverage(rules)
    if as_json:
        echo_json(stats)
        return
    click.echo(f"规则 {stats['rules']} 条：" + "，".join(f"{k} {v}" for k, v in stats["by_platform"].items()))
    for level, units in stats["units"].items():
        click.echo(f"{level}：{len(units)} 个测评单元 {' '.join(units)}")
    click.echo("三级可由配置判定的测评单元覆盖率（目标 80%）：")
    for platform, row in stats["coverage"].items():
        mark = "✓" if row["goal_met"] else "✗"
        click.echo(f"  {mark} {platform}: {row['decided']}/{row['target']}（{row['share']:.0%}）")


@rules_group.command(name="check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_check_cmd(file: Path) -> None:
    """Validate an agency rules file; every problem as file:line: field: message."""
    from dengbao.core.collect.ruleset import RuleError, _catalogue_units, load_file

    try:
        rules = load_file(file, known_units=_catalogue_units())
    except RuleError as exc:
        raise Refused(str(exc)) from None
    click.echo(f"{file}: {len(rules)} rules OK")


def _register() -> None:
    from .collect_ssh import host_keys_cmd, ssh_cmd

    group.add_command(ssh_cmd)
    group.add_command(host_keys_cmd)


_register()
