"""Running checks: once on demand (``check_now``, ``run_batch``) or continuously (:class:`MonitorLoop`).

The loop is one thread with one asyncio event loop: it keeps every enabled monitor's plan in
memory, starts each check when it is due under a global concurrency limit, and hands finished
checks to a writer thread that stores them in batches (``store.record_outcomes``). Plans are
refreshed from the database every few seconds, so edits and newly approved baselines apply within
that time. ``dengbao run`` starts it through the periodic job in ``jobs.py``.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import queue
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections

from dengbao import tasks

from . import store, zones
from .checks import AnalysisBudget, Outcome, check_outcome
from .models import Monitor
from .plans import Plan, build_plans, latest_baselines, today

log = logging.getLogger("dengbao.monitoring")


def _monitors(ids: Iterable[int] | None = None, *, only_zones: Iterable[str] | None = None):
    rows = Monitor.objects.filter(enabled=True).select_related("project")
    local = set(only_zones) if only_zones is not None else zones.local_zones()
    if local is not None:
        rows = rows.filter(zone__in=local)
    return rows.filter(pk__in=list(ids)) if ids is not None else rows


def deliver_later(event_ids: list[int]) -> None:
    if event_ids:
        from .alerting import deliver

        tasks.dispatch(deliver, event_ids)


def run_batch(
    monitor_ids: Iterable[int] | None = None,
    *,
    concurrency: int = 50,
    only_zones: Iterable[str] | None = None,
) -> list[Outcome]:
    """Check the given (or all enabled) monitors once, now, and store the results.

    Only monitors of the zones this process checks (``only_zones``, default: this server's local
    zones): a monitor of another zone is left to that zone's worker.
    """
    plans = build_plans(_monitors(monitor_ids, only_zones=only_zones))
    day = today()

    async def main() -> list[Outcome]:
        limit = asyncio.Semaphore(concurrency)

        async def one(plan: Plan) -> Outcome:
            async with limit:
                return await check_outcome(plan, day=day)

        return list(await asyncio.gather(*(one(p) for p in plans.values())))

    outcomes = asyncio.run(main()) if plans else []
    deliver_later(store.record_outcomes(outcomes))
    return outcomes


def check_in_zone(monitor_id: int, zone: str) -> int:
    """ "Check now" on the worker of ``zone`` (sent there by :func:`check_in_zone_later`)."""
    return len(run_batch([monitor_id], only_zones=[zone]))


def check_in_zone_later(monitor_id: int, zone: str) -> bool:
    """Ask the zone's worker to check one monitor now; False when there is no queue to ask (no Redis).

    Never runs the check here: without a broker the dispatcher would run it in this process,
    which is exactly what a zone of its own is meant to prevent.
    """
    if not getattr(settings, "DENGBAO_CELERY_BROKER", ""):
        return False
    tasks.dispatch(check_in_zone, monitor_id, zone, zone=zone)
    return True


@dataclass(order=True)
class _Due:
    at: float
    monitor_id: int = field(compare=False)


def first_due(monitor_id: int, interval: float, now: float) -> float:
    """The first time at or after ``now`` on the monitor's own grid: epoch multiples of ``interval``
    shifted by a fixed offset from its id (a hash, so neighbouring ids land far apart).

    Monitors are spread evenly over their interval from the first minute (no start-up herd), and a
    restarted scheduler keeps each monitor's phase, so a restart neither delays nor doubles checks.
    """
    millis = max(int(interval * 1000), 1)
    offset = (zlib.crc32(f"monitor:{monitor_id}".encode()) % millis) / 1000
    due = (now - offset) // interval * interval + offset
    return due if due >= now else due + interval


@dataclass
class LoopStats:
    checks: int = 0
    missed: int = 0  # due while the previous check of the same monitor was still running (skipped)
    lags_ms: list[float] = field(default_factory=list)
    lag_due: list[float] = field(default_factory=list)  # when each of lags_ms was due (epoch s)
    stored: int = 0
    write_errors: int = 0


class MonitorLoop(threading.Thread):
    """The scheduler: one event loop for every check of this process, a writer thread for the DB."""

    def __init__(
        self,
        *,
        concurrency: int | None = None,
        refresh_seconds: float = 10.0,
        batch_seconds: float = 1.0,
        keep_lags: bool = False,
        only_zones: Iterable[str] | None = None,
    ) -> None:
        super().__init__(name="dengbao-monitor", daemon=True)
        self.only_zones = None if only_zones is None else tuple(only_zones)
        # first analyses of pages per second (see AnalysisBudget): ~40 × ~8 ms ≈ a third of a core
        self.budget = AnalysisBudget(
            float(getattr(settings, "DENGBAO_MONITOR_FIRST_ANALYSES_PER_SECOND", 40))
        )
        self.concurrency = concurrency or int(getattr(settings, "DENGBAO_MONITOR_CONCURRENCY", 300))
        self.refresh_seconds = refresh_seconds
        self.batch_seconds = batch_seconds
        self.keep_lags = keep_lags
        self.stats = LoopStats()
        self.plans: dict[int, Plan] = {}
        self._heap: list[_Due] = []
        self._due: dict[int, float] = {}
        self._running: set[int] = set()
        self._tasks: set[asyncio.Future] = set()
        self._baselines: dict[int, tuple] = {}
        self._stamps: dict[int, object] = {}  # monitor id -> updated_at of its current plan
        self._built: dict[int, Plan] = {}  # the plans as last loaded (the loader's own copy)
        self.full_refresh_seconds = 300.0
        self.drain_seconds = 12.0  # on stop, how long checks in flight may take to finish
        # Outcomes per write transaction. Small batches hold the database's write lock briefly: on
        # SQLite every web request that saves its session waits for the lock (about 1 ms per outcome).
        self.batch_max = 40
        self._next_full = 0.0
        self._queue: queue.Queue[Outcome | None] = queue.Queue()
        self._halt = threading.Event()
        self._writer = threading.Thread(target=self._write, name="dengbao-monitor-writer", daemon=True)

    def stop(self) -> None:
        self._halt.set()

    # --- plans -----------------------------------------------------------
    def _load(self) -> dict[int, Plan]:
        """The plans to run: rebuilt only for monitors changed since the last load, all of them
        every ``full_refresh_seconds``.

        Whatever changes a monitor's plan bumps its ``updated_at`` (an edit, its project's allowed
        hosts, its organisation's lists, a newly approved baseline), so a refresh reads one
        (id, updated_at) pair per monitor and builds plans for the few that moved; building all
        5,000 takes a third of a second of CPU that would otherwise delay checks every refresh.
        """
        close_old_connections()
        try:
            last = max((pk for pk, _ in self._baselines.values()), default=0)
            fresh = latest_baselines(after_pk=last)
            self._baselines.update(fresh)
            stamps = dict(_monitors(only_zones=self.only_zones).values_list("pk", "updated_at"))
            full = time.monotonic() >= self._next_full
            if full:
                self._next_full = time.monotonic() + self.full_refresh_seconds
                changed = set(stamps)
                plans: dict[int, Plan] = {}
            else:
                changed = {pk for pk, at in stamps.items() if self._stamps.get(pk) != at} | (
                    set(fresh) & set(stamps)
                )
                plans = {pk: plan for pk, plan in self._built.items() if pk in stamps}
            if changed:
                plans.update(build_plans(_monitors(changed), baselines=self._baselines))
            self._stamps, self._built = stamps, plans
            return dict(plans)
        finally:
            close_old_connections()

    def _apply(self, plans: dict[int, Plan]) -> None:
        now = time.time()
        day = today()
        for monitor_id, plan in plans.items():
            old = self.plans.get(monitor_id)
            if old is None or old.interval_on(day) != plan.interval_on(day):
                self._schedule(monitor_id, first_due(monitor_id, plan.interval_on(day), now))
        self.plans = plans

    def _schedule(self, monitor_id: int, at: float) -> None:
        self._due[monitor_id] = at
        heapq.heappush(self._heap, _Due(at, monitor_id))

    # --- running ---------------------------------------------------------
    def run(self) -> None:
        self._writer.start()
        try:
            asyncio.run(self._main())
        finally:
            self._queue.put(None)
            self._writer.join(timeout=30)

    async def _main(self) -> None:
        limit = asyncio.Semaphore(self.concurrency)
        self._apply(await asyncio.to_thread(self._load))
        next_refresh = time.time() + self.refresh_seconds
        refreshing: asyncio.Task | None = None
        while not self._halt.is_set():
            now = time.time()
            if refreshing is None and now >= next_refresh:
                refreshing = asyncio.ensure_future(asyncio.to_thread(self._load))
            if refreshing is not None and refreshing.done():
                try:
                    self._apply(refreshing.result())
                except Exception:
                    log.exception("monitor plans could not be refreshed")
                refreshing, next_refresh = None, time.time() + self.refresh_seconds
            day = today()
            while self._heap and self._heap[0].at <= now:
                due = heapq.heappop(self._heap)
                plan = self.plans.get(due.monitor_id)
                if plan is None or self._due.get(due.monitor_id) != due.at:
                    continue  # removed, or rescheduled since
                self._schedule(due.monitor_id, due.at + plan.interval_on(day))
                if due.monitor_id in self._running:
                    self.stats.missed += 1
                    continue
                self._running.add(due.monitor_id)
                task = asyncio.ensure_future(self._check(plan, due.at, limit, day))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            wait = (self._heap[0].at - time.time()) if self._heap else 0.5
            await asyncio.sleep(min(max(wait, 0.005), 0.5))
        if self._tasks:  # stopping: let the checks already started finish, so their results are kept
            await asyncio.wait(set(self._tasks), timeout=self.drain_seconds)

    async def _check(self, plan: Plan, due: float, limit: asyncio.Semaphore, day) -> None:
        try:
            async with limit:
                outcome = await check_outcome(plan, due=due, day=day, budget=self.budget)
            self.stats.checks += 1
            if self.keep_lags and outcome.lag_ms is not None:
                self.stats.lags_ms.append(outcome.lag_ms)
                self.stats.lag_due.append(due)
            self._queue.put(outcome)
        except Exception:
            log.exception("check of monitor %s failed", plan.monitor_id)
        finally:
            self._running.discard(plan.monitor_id)

    def _write(self) -> None:
        done = False
        while not done:
            batch: list[Outcome] = []
            deadline = time.monotonic() + self.batch_seconds
            while len(batch) < self.batch_max:
                try:
                    item = self._queue.get(timeout=max(deadline - time.monotonic(), 0.01))
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                batch.append(item)
            if not batch:
                continue
            close_old_connections()
            try:
                deliver_later(store.record_outcomes(batch))
                self.stats.stored += len(batch)
            except Exception:
                self.stats.write_errors += 1
                log.exception("could not store %d check results", len(batch))
            finally:
                close_old_connections()


_loop: MonitorLoop | None = None
_loop_lock = threading.Lock()


def ensure_started() -> MonitorLoop:
    """Start this process's monitor loop once (the periodic job calls this; it is cheap when running)."""
    global _loop
    with _loop_lock:
        if _loop is None or not _loop.is_alive():
            _loop = MonitorLoop()
            _loop.start()
        return _loop
