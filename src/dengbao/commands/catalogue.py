"""`dengbao catalogue …`: counts, one unit, the Excel checklist, an agency's wording."""

from __future__ import annotations

from pathlib import Path

import click

from .common import cli_actor, cli_setup, echo_json, user_option


@click.group(name="catalogue")
def command() -> None:
    """要求目录：统计、查看、导出作业表、导入机构措辞 (the requirement catalogue)."""


@command.command()
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def stats(as_json: bool) -> None:
    """Counts per level, part and category, and of high-risk cases."""
    from dengbao.core.catalogue import default, query

    data = query.stats(default())
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['catalogue']['name']} ({data['catalogue']['version']})")
    click.echo("级别        " + "  ".join(f"L{lv:>3}" for lv in data["general"]))
    click.echo("通用要求    " + "  ".join(f"{n:>4}" for n in data["general"].values()))
    for ext, counts in data["extensions"].items():
        click.echo(f"{ext:<12}" + "  ".join(f"{n:>4}" for n in counts.values()))
    click.echo(f"高风险判例  {data['high_risk_cases']}")


@command.command()
@click.argument("unit_id")
@click.option("--json", "as_json", is_flag=True)
def show(unit_id: str, as_json: bool) -> None:
    """One test unit, e.g. L3-CES1-01."""
    from dataclasses import asdict

    from dengbao.core.catalogue import default, query
    from dengbao.core.catalogue.vocab import CATEGORY_BY_CODE, PARTS

    cat = default()
    item = cat.by_id.get(unit_id.upper())
    if item is None:
        raise click.ClickException(f"no unit {unit_id!r} in the catalogue")
    cases = query.high_risk_for(cat, item.id)
    if as_json:
        echo_json({**asdict(item), "high_risk_cases": [c.id for c in cases]})
        return
    click.echo(
        f"{item.id}  第{item.level}级 · {PARTS[item.part][1]} · {CATEGORY_BY_CODE[item.category].name}"
    )
    click.echo(f"控制点：{item.control_point}（{item.attribute}）  {item.letter}）{item.requirement}")
    click.echo(f"测评对象：{'、'.join(item.objects)}   方法：{'、'.join(item.methods)}")
    for n, step in enumerate(item.steps, start=1):
        click.echo(f"  {n}) {step}")
    if item.verdict:
        click.echo(f"单元判定：{item.verdict}")
    for case in cases:
        click.echo(f"高风险判例 {case.id} {case.title}（{case.scope}）")


@command.command()
@click.option("--level", type=click.IntRange(1, 4))
@click.option("--sa", default="", help="S/A code such as S3A2 (GB/T 22239 附录A selection)")
@click.option("--ext", "extensions", multiple=True, type=click.Choice(["cloud", "mobile", "iot", "ics"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@user_option
def export(
    level: int | None, sa: str, extensions: tuple[str, ...], output: Path, username: str | None
) -> None:
    """Write the Excel checklist (测评作业表); with --user, in that user's organisation's wording."""
    import io

    from dengbao.core.catalogue import default, query
    from dengbao.core.catalogue.export import write_checklist

    try:
        if username:
            actor = cli_actor(username)  # sets Django up first
            from dengbao.catalogue import selectors

            title, count, content = selectors.checklist_workbook(
                actor=actor, level=level, sa=sa, extensions=extensions
            )
        else:  # reference data only: no organisation wording, no user needed
            cat = default()
            items, title = query.checklist(cat, level=level, sa=sa, extensions=extensions)
            buffer = io.BytesIO()
            count = write_checklist(items, buffer, catalogue=cat, title=title)
            content = buffer.getvalue()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    output.write_bytes(content)
    click.echo(f"{title}: {count} items -> {output}")


@command.command(name="import-wording")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@user_option
def import_wording(file: Path, username: str | None) -> None:
    """Replace your organisation's wording with FILE (.xlsx/.csv keyed by unit ID); all or nothing."""
    cli_setup()
    from dengbao.catalogue import services
    from dengbao.core.catalogue.wording import WordingError

    actor = cli_actor(username)
    try:
        with file.open("rb") as fh:
            count = services.wording_import(actor=actor, stream=fh, filename=file.name)
    except WordingError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from None
    click.echo(f"imported {count} units")
