"""The Celery side of the one dispatcher (tasks.py): zone workers on Redis.

Only work addressed to a network zone goes here (``tasks.dispatch(func, ..., zone="intranet")``
with ``DENGBAO_CELERY_BROKER`` set); everything else — and everything on a single machine —
stays in the ``dengbao run`` process. A zone worker (``dengbao worker --zone intranet``) runs
inside that zone, so it reaches what only that zone can reach, and writes its results to the
same database. Messages carry a function's dotted path and JSON arguments (record IDs), never
pickled objects.
"""

from __future__ import annotations

from celery import Celery

app = Celery("dengbao")


def queue_name(zone: str) -> str:
    return f"dengbao.zone.{zone}"


def configure() -> Celery:
    from django.conf import settings

    app.conf.update(
        broker_url=settings.DENGBAO_CELERY_BROKER,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,  # a worker that dies mid-scan leaves the message for another
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


@app.task(name="dengbao.run")
def run(path: str, args: list, kwargs: dict) -> None:
    from django.utils.module_loading import import_string

    from dengbao.task_runner import run_job

    run_job(import_string(path), *args, **kwargs)
