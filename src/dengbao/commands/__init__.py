"""dengbao's own CLI commands, one module each."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    from . import demo, run

    for module in (run, demo):
        group.add_command(module.command)
    group.add_command(demo.createadmin)
