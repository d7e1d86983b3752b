"""How background work runs.

One dispatcher for the whole platform. By default work runs in this process: a
small thread pool for one-off jobs and a scheduler thread for periodic ones, both
started by ``dengbao run``. Apps declare periodic jobs in a ``jobs.py`` module
with ``@periodic``; the scheduler finds them at start. Work addressed to a network
zone goes to that zone's Celery queue when a broker is configured (celery_app.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .task_runner import run_job

log = logging.getLogger("dengbao.tasks")


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    func: Callable[[], Any]
    next_run: float = field(default=0.0)
    running: bool = False


_JOBS: dict[str, PeriodicJob] = {}
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def periodic(name: str, *, every_seconds: float) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        _JOBS[name] = PeriodicJob(name=name, every_seconds=every_seconds, func=func)
        return func

    return register


def registered_jobs() -> dict[str, PeriodicJob]:
    return dict(_JOBS)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dengbao-task")
        return _pool


def dispatch(func: Callable[..., Any], *args: Any, zone: str = "", **kwargs: Any) -> Future[Any]:
    """Run ``func`` in the background. Its database connections are closed afterwards.

    With ``zone`` and Redis (``REDIS_URL`` or ``DENGBAO_CELERY_BROKER``), the work goes to that network zone's
    queue and a ``dengbao worker --zone`` inside the zone runs it (``func`` must then be a
    module-level function and its arguments JSON values, e.g. record IDs); the future holds
    the message's ID. Otherwise it runs in this process's pool. With ``DENGBAO_TASKS_INLINE``
    it runs now, in this thread and this transaction. ``zone`` is the dispatcher's, not ``func``'s.
    """
    from django.conf import settings

    if zone and getattr(settings, "DENGBAO_CELERY_BROKER", ""):
        return _to_zone(zone, func, args, kwargs)
    if getattr(settings, "DENGBAO_TASKS_INLINE", False):
        future: Future[Any] = Future()
        try:
            future.set_result(func(*args, **kwargs))
        except Exception as exc:
            log.exception("task %s failed", getattr(func, "__name__", func))
            future.set_exception(exc)
        return future
    return _executor().submit(run_job, func, *args, **kwargs)


def _to_zone(zone: str, func: Callable[..., Any], args: tuple, kwargs: dict) -> Future[Any]:
    from . import celery_app

    path = f"{func.__module__}.{func.__qualname__}"
    if "<" in path:
        raise ValueError(f"work for zone {zone!r} must be a module-level function, not {path}")
    app = celery_app.configure()
    message = app.send_task("dengbao.run", args=[path, list(args), kwargs], queue=celery_app.queue_name(zone))
    future: Future[Any] = Future()
    future.set_result(message.id)
    log.info("sent %s to zone %s (%s)", path, zone, message.id)
    return future


class Scheduler(threading.Thread):
    """Runs each periodic job every ``every_seconds``; a job never overlaps itself."""

    def __init__(self, tick: float = 1.0):
        super().__init__(name="dengbao-scheduler", daemon=True)
        self.tick = tick
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        log.info("scheduler started with jobs: %s", ", ".join(sorted(_JOBS)) or "none")
        now = time.monotonic()
        for job in _JOBS.values():
            job.next_run = now + min(job.every_seconds, 30.0)
        while not self._stop_event.wait(self.tick):
            now = time.monotonic()
            for job in list(_JOBS.values()):
                if job.running or now < job.next_run:
                    continue
                job.running = True
                job.next_run = now + job.every_seconds
                future = dispatch(job.func)
                future.add_done_callback(lambda _f, j=job: setattr(j, "running", False))
