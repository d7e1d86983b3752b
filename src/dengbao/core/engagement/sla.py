"""SLA clocks of emergency tickets, computed from the stored list of events.

A clock runs 7×24 from the ticket's opening until its target event (the first response,
the engineer on site). It stands still while the provider waits on the client (from a
``waiting_client`` event to the next ``resumed``). Nothing is kept but the events, so the
elapsed time of any ticket can be recomputed and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

WARN_FRACTION = 0.25  # warn when less than this share of the target remains


class EventKind(StrEnum):
    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"  # the first response to the client
    ON_SITE = "on_site"  # an engineer arrived on site
    WAITING_CLIENT = "waiting_client"  # clocks pause
    RESUMED = "resumed"  # clocks run again
    RESOLVED = "resolved"
    CLOSED = "closed"
    NOTE = "note"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


@dataclass(frozen=True)
class Target:
    response_minutes: int
    on_site_minutes: int | None  # None: no on-site target for this priority


# The contract: a response within one hour, day and night; on site within two hours when
# a major fault was caused by the provider's tools. P2's four hours is this platform's default.
DEFAULT_TARGETS: dict[Priority, Target] = {
    Priority.P1: Target(60, 120),
    Priority.P2: Target(60, 240),
    Priority.P3: Target(60, None),
    Priority.P4: Target(60, None),
}


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: dt.datetime


class State(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"  # running, little time left
    MET = "met"
    BREACHED = "breached"
    NOT_NEEDED = "not_needed"  # resolved before the target event was needed


@dataclass(frozen=True)
class Clock:
    target: str  # "response" or "on_site"
    limit: dt.timedelta
    elapsed: dt.timedelta
    state: State
    breached_at: dt.datetime | None  # when the elapsed time passed the limit
    stopped_at: dt.datetime | None  # the target event (or the resolution) that stopped the clock

    @property
    def remaining(self) -> dt.timedelta:
        return self.limit - self.elapsed


def _running_intervals(events: Sequence[Event], start: dt.datetime, stop: dt.datetime):
    """The stretches between ``start`` and ``stop`` while the clock was not paused."""
    intervals, run_from, paused = [], start, False
    for event in events:
        if event.at > stop:
            break
        if event.at < start:
            continue
        if event.kind == EventKind.WAITING_CLIENT and not paused:
            intervals.append((run_from, event.at))
            paused = True
        elif event.kind == EventKind.RESUMED and paused:
            run_from, paused = event.at, False
    if not paused:
        intervals.append((run_from, stop))
    return intervals, paused


def clock(
    events: Iterable[Event],
    *,
    target: EventKind,
    limit_minutes: int,
    now: dt.datetime,
) -> Clock:
    """The state of one clock (``target`` is ACKNOWLEDGED or ON_SITE) at ``now``."""
    ordered = sorted(events, key=lambda e: e.at)
    opened = next((e.at for e in ordered if e.kind == EventKind.OPENED), None)
    if opened is None:
        raise ValueError("a ticket's events start with 'opened'")
    limit = dt.timedelta(minutes=limit_minutes)
    name = "response" if target == EventKind.ACKNOWLEDGED else "on_site"
    hit = next((e.at for e in ordered if e.kind == target and e.at >= opened), None)
    resolved = next((e.at for e in ordered if e.kind in (EventKind.RESOLVED, EventKind.CLOSED)), None)
    not_needed = target == EventKind.ON_SITE and hit is None and resolved is not None
    stopped = hit or (resolved if not_needed else None)
    stop = stopped or now
    intervals, paused = _running_intervals(ordered, opened, stop)
    elapsed, breached_at = dt.timedelta(0), None
    for begin, end in intervals:
        span = max(dt.timedelta(0), end - begin)
        if breached_at is None and elapsed + span > limit:
            breached_at = begin + (limit - elapsed)
        elapsed += span
    if breached_at is not None:
        state = State.BREACHED
    elif not_needed:
        state = State.NOT_NEEDED
    elif stopped is not None:
        state = State.MET
    elif paused:
        state = State.PAUSED
    elif limit - elapsed < limit * WARN_FRACTION:
        state = State.WARNING
    else:
        state = State.RUNNING
    return Clock(name, limit, elapsed, state, breached_at, stopped)


def clocks(events: Iterable[Event], target: Target, *, now: dt.datetime) -> list[Clock]:
    """The response clock and, when the priority has one, the on-site clock."""
    events = list(events)
    result = [clock(events, target=EventKind.ACKNOWLEDGED, limit_minutes=target.response_minutes, now=now)]
    if target.on_site_minutes is not None:
        result.append(clock(events, target=EventKind.ON_SITE, limit_minutes=target.on_site_minutes, now=now))
    return result
