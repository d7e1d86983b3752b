"""`dengbao worker --zone NAME`: a zone worker, run inside a network zone (see celery_app.py)."""

from __future__ import annotations

import re

import click

from .common import setup_django


@click.command(name="worker")
@click.option("--zone", required=True, help="the network zone this worker serves, e.g. intranet")
@click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option(
    "--monitor/--no-monitor", default=True, show_default=True, help="also run this zone's website checks"
)
def command(zone: str, concurrency: int, monitor: bool) -> None:
    """区域工作进程：执行发往某个网络区域的后台工作 (zone worker; needs Redis: REDIS_URL)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", zone):
        raise click.BadParameter("zone: lower-case letters, digits, - and _ (e.g. intranet)")
    setup_django()
    from django.conf import settings

    if not settings.DENGBAO_CELERY_BROKER:
        raise click.ClickException(
            "no Redis: set REDIS_URL or DENGBAO_CELERY_BROKER (e.g. redis://127.0.0.1:6379/2)"
        )
    from dengbao import celery_app, recovery

    if interrupted := recovery.recover_interrupted():  # work a killed predecessor on this host left running
        click.echo(f"{interrupted} background job(s) interrupted by a restart marked failed", err=True)
    app = celery_app.configure()
    click.echo(f"dengbao zone worker: zone {zone}, queue {celery_app.queue_name(zone)}", err=True)
    checker = None
    if monitor:  # the zone's website checks, in a child process of their own (monitoring/process.py)
        from dengbao.monitoring.process import MonitorProcess

        checker = MonitorProcess(zones=[zone])
        checker.start()
    try:
        _celery(app, zone, concurrency)
    finally:
        if checker is not None:
            checker.stop()


def _celery(app, zone: str, concurrency: int) -> None:
    """Threads, not forked processes: the database connections and the scanner's asyncio loops
    are per thread, and nothing is shared across a fork."""
    from dengbao import celery_app

    app.worker_main(
        [
            "worker",
            "--queues",
            celery_app.queue_name(zone),
            "--concurrency",
            str(concurrency),
            "--pool",
            "threads",
            "--hostname",
            f"{zone}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )
