"""The monitor scheduler in a process of its own, so checks never compete with web requests.

Checking thousands of pages a minute is CPU work (parsing, hashing, matching); in the web process
it would hold the GIL while pages wait. So ``dengbao run`` starts this module as a child process
(:func:`start_child`, stopped with :func:`stop_child`), and the periodic job in ``jobs.py``
restarts the child if it dies. The child runs :class:`runner.MonitorLoop` (one asyncio loop, one
writer thread) and nothing else; the web process only reads the latest-state table.

Entry points:

- :func:`serve` runs the loop in the calling process until SIGTERM/SIGINT (or ``stop``): what a
  zone worker calls, e.g. ``serve(zones=["his-dmz"])`` for ``dengbao worker --zone his-dmz``.
- ``python -m dengbao.monitoring.process [--zone NAME ...]``: the same, with Django set up; what
  :func:`start_child` runs.

``settings.DENGBAO_MONITOR_PROCESS = "thread"`` keeps the old layout (the loop in a thread of the
web process), for a small site on a one-core machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

log = logging.getLogger("dengbao.monitoring")

PARENT_ENV = "DENGBAO_MONITOR_PARENT"  # the pid of the process that started the child


def serve(
    *,
    zones: Sequence[str] | None = None,
    stop: threading.Event | None = None,
    concurrency: int | None = None,
    keep_lags: bool = False,
) -> None:
    """Run the monitor loop here until SIGTERM/SIGINT, ``stop`` being set, or the parent dying.

    ``zones`` limits the monitors to those zones (default: this server's local zones, see
    ``zones.local_zones``: ``DENGBAO_MONITOR_LOCAL_ZONES``, or every zone that reaches no private
    address). A zone worker names its zone here.
    The loop is restarted if it crashes; on stop, checks in flight are abandoned and results
    already made are written before returning.
    """
    from .runner import MonitorLoop

    halt = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: halt.set())
    parent = int(os.environ.get(PARENT_ENV) or 0)

    def new_loop() -> MonitorLoop:
        loop = MonitorLoop(concurrency=concurrency, only_zones=zones, keep_lags=keep_lags)
        loop.start()
        return loop

    loop = new_loop()
    log.info("monitor process %s started (zones: %s)", os.getpid(), ", ".join(zones or ()) or "local")
    while not halt.wait(1.0):
        if parent and os.getppid() != parent:
            log.warning("monitor process: parent %s is gone, stopping", parent)
            break
        if not loop.is_alive():
            log.error("monitor loop died; restarting it")
            loop = new_loop()
    loop.stop()
    loop.join(timeout=60)


class MonitorProcess:
    """A child process running :func:`serve`; started and stopped by ``dengbao run``."""

    def __init__(self, zones: Sequence[str] = ()) -> None:
        self.zones = tuple(zones)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [sys.executable, "-m", "dengbao.monitoring.process"]
        for zone in self.zones:
            args += ["--zone", zone]
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL)  # noqa: S603 - our own module

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure_running(self) -> None:
        if self.proc is not None and not self.alive():
            log.error("monitor process exited with %s; starting it again", self.proc.returncode)
            self.start()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, wait for the last batch to be written, then kill if it does not end in time."""
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


_child: MonitorProcess | None = None
_child_lock = threading.Lock()


def child_mode() -> bool:
    """Whether this process has handed monitoring to a child process."""
    return _child is not None


def start_child() -> MonitorProcess | None:
    """Start the monitor process (``dengbao run``); None when settings keep the loop in-process."""
    global _child
    from django.conf import settings

    if getattr(settings, "DENGBAO_MONITOR_PROCESS", "child") == "thread":
        return None
    with _child_lock:
        if _child is None:
            _child = MonitorProcess()
            _child.start()
        return _child


def ensure_child() -> None:
    with _child_lock:
        if _child is not None:
            _child.ensure_running()


def stop_child() -> None:
    global _child
    with _child_lock:
        child, _child = _child, None
    if child is not None:
        child.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dengbao.monitoring.process", description=__doc__)
    parser.add_argument("--zone", action="append", dest="zones", help="only monitors of this zone (repeat)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dengbao.settings")
    import django

    django.setup()
    serve(zones=args.zones)


if __name__ == "__main__":
    main()
