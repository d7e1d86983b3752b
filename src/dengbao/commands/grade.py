"""`dengbao grade`: GB/T 22240-2020 grading from the command line."""

from __future__ import annotations

import click

from .common import echo_json


@click.command(name="grade")
@click.option("--business", required=True, help='业务信息受侵害客体:程度, e.g. "社会秩序、公共利益:严重"')
@click.option("--service", required=True, help='系统服务受侵害客体:程度, e.g. "合法权益:一般"')
@click.option("--json", "as_json", is_flag=True)
def command(business: str, service: str, as_json: bool) -> None:
    """定级：由受侵害客体和侵害程度确定 S、A 和安全保护等级 (several pairs: comma separated)."""
    from dengbao.core import grading

    try:
        result = grading.grade(grading.parse_harms(business), grading.parse_harms(service))
    except grading.GradingError as exc:
        raise click.UsageError(str(exc)) from None
    from dengbao.core.catalogue.query import LEVEL5_NOTE, Grade

    notes = [LEVEL5_NOTE] if Grade.parse(result.sa).beyond_catalogue else []
    if as_json:
        data = result.as_dict()
        echo_json(
            {k: data[k] for k in ("business_level", "service_level", "level", "sa")}
            | {"reasons": data["reasons"], "notes": notes}
        )
        return
    for line in (*result.reasons, *notes):
        click.echo(line)
