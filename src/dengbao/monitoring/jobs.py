"""Periodic jobs found by the scheduler of ``dengbao run`` (see dengbao.tasks)."""

from dengbao.tasks import periodic


@periodic("monitoring.loop", every_seconds=10)
def monitor_loop() -> None:
    """Keep the monitor scheduler running: the child process ``dengbao run`` started (restarted if
    it died), or, without one (``DENGBAO_MONITOR_PROCESS = "thread"``), the loop in this process."""
    from . import process

    if process.child_mode():
        process.ensure_child()
        return
    from .runner import ensure_started

    ensure_started()


@periodic("monitoring.retention", every_seconds=3600)
def retention() -> None:
    from .services import results_prune

    results_prune()
