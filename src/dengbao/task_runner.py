"""How one piece of background work runs, in a pool thread here or on a zone worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("dengbao.tasks")


def run_job(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` with fresh database connections, closed afterwards; a failure is logged in full."""
    from django.db import close_old_connections, connections

    close_old_connections()
    try:
        return func(*args, **kwargs)
    except Exception:
        log.exception("background task %s failed", getattr(func, "__name__", func))
        raise
    finally:
        connections.close_all()
