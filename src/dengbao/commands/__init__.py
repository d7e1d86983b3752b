"""dengbao's own CLI commands, one module each."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    from . import catalogue, demo, docs, grade, run, score, workdays

    for module in (run, demo, catalogue, grade, docs, score, workdays):
        group.add_command(module.command)
    group.add_command(demo.createadmin)

    from . import audit, backup

    for command in (audit.group, backup.command, backup.restore):
        group.add_command(command)

    from . import monitor

    group.add_command(monitor.command)

    from . import report, worker

    group.add_command(report.command)
    group.add_command(worker.command)

    from . import template

    group.add_command(template.command)

    from . import scanning, tokens

    for command in (scanning.import_scan_cmd, scanning.scan_group, tokens.group):
        group.add_command(command)

    from . import collect

    group.add_command(collect.group)

    from . import evidence

    group.add_command(evidence.group)
