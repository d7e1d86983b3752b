"""`dengbao workdays`: working-day arithmetic on the official Chinese calendar."""

from __future__ import annotations

import datetime as dt

import click

from .common import echo_json


def _date(_ctx: click.Context, _param: click.Parameter, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group(name="workdays")
def command() -> None:
    """工作日计算（含法定节假日与调休）(working days on the official calendar)."""


def _show(answer, as_json: bool) -> None:
    if as_json:
        echo_json({"value": str(answer.value), "warning": answer.warning})
    else:
        click.echo(str(answer.value))
        if answer.warning:
            click.echo(f"注意：{answer.warning}", err=True)


@command.command(name="add")
@click.argument("start", callback=_date)
@click.argument("days", type=int)
@click.option("--json", "as_json", is_flag=True)
def add_cmd(start: dt.date, days: int, as_json: bool) -> None:
    """The date DAYS working days after START, e.g. `dengbao workdays add 2019-11-26 40`."""
    from dengbao.core import workdays

    _show(workdays.add(start, days), as_json)


@command.command(name="between")
@click.argument("start", callback=_date)
@click.argument("end", callback=_date)
@click.option("--json", "as_json", is_flag=True)
def between_cmd(start: dt.date, end: dt.date, as_json: bool) -> None:
    """Working days after START up to and including END."""
    from dengbao.core import workdays

    _show(workdays.between(start, end), as_json)


@command.command(name="next")
@click.argument("day", callback=_date)
@click.option("--json", "as_json", is_flag=True)
def next_cmd(day: dt.date, as_json: bool) -> None:
    """The first working day on or after DAY."""
    from dengbao.core import workdays

    _show(workdays.next_workday(day), as_json)
