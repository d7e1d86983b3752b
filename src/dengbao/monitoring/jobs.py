"""Periodic jobs found by the scheduler of ``dengbao run`` (see dengbao.tasks)."""

from dengbao.tasks import periodic


@periodic("monitoring.loop", every_seconds=10)
def monitor_loop() -> None:
    """Start (or restart after a crash) the monitor scheduler loop of this process."""
    from .runner import ensure_started

    ensure_started()


@periodic("monitoring.retention", every_seconds=3600)
def retention() -> None:
    from .services import results_prune

    results_prune()
