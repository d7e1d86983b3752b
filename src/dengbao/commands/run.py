"""`dengbao run`: the web server (uvicorn, ASGI) and the background scheduler in one process."""

from __future__ import annotations

import click

from .common import cli_setup


@click.command(name="run")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="DENGBAO_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="DENGBAO_PORT")
@click.option("--no-scheduler", is_flag=True, help="serve only; background jobs run elsewhere (Celery)")
def command(host: str, port: int, no_scheduler: bool) -> None:
    """启动平台：网页服务与后台调度 (serve the platform and run background jobs)."""
    cli_setup()
    import uvicorn
    from django.conf import settings
    from django.core.management import call_command

    from dengbao import recovery
    from dengbao.monitoring import process as monitor_process
    from dengbao.tasks import Scheduler

    call_command("collectstatic", interactive=False, verbosity=0)
    if interrupted := recovery.recover_interrupted():  # work a killed predecessor left "running"
        click.echo(f"{interrupted} background job(s) interrupted by a restart marked failed", err=True)
    scheduler = None
    if settings.DENGBAO_SCHEDULER and not no_scheduler:
        monitor_process.start_child()  # website monitoring checks in a child process, off the web's GIL
        scheduler = Scheduler()
        scheduler.start()
    click.echo(f"dengbao serving at http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        uvicorn.Server(server_config(host, port)).run()
    finally:
        if scheduler is not None:
            scheduler.stop()
        monitor_process.stop_child()


def server_config(host: str, port: int):
    """How uvicorn serves the platform; no ``Server: uvicorn`` banner (the other headers: web/headers.py)."""
    import uvicorn

    return uvicorn.Config(
        "dengbao.asgi:application",
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        lifespan="off",
        server_header=False,
    )
