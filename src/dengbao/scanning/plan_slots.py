"""When a scan plan's runs fall: 09:00 Beijing time on the due day, inside the authorisation's windows.

Apart from ``plan_services`` so that the recurring job in ``scan_services`` can place a plan's next
run without importing the plan services (which use ``scan_services`` to check a plan's scope).
"""

from __future__ import annotations

import datetime as dt

from dengbao.core import scanner
from dengbao.core.scanner.windows import BEIJING

from .models import Authorisation, Scan

FIRST_RUN = dt.time(9, 0)  # Beijing time, on the occurrence's due date


def first_slot(authorisation: Authorisation, day: dt.date) -> dt.datetime:
    """09:00 Beijing time on ``day``, or the first moment after it the authorisation's windows allow."""
    start = dt.datetime.combine(day, FIRST_RUN, tzinfo=BEIJING)
    windows = [scanner.TimeWindow.of(w["days"], w["start"], w["end"]) for w in authorisation.windows]
    if not windows or any(w.contains(start) for w in windows):
        return start
    begins = []
    for offset in range(8):  # every weekday once, and the start day again a week later
        midnight = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(0), tzinfo=BEIJING)
        for window in windows:
            begin = midnight + dt.timedelta(minutes=window.start)
            if midnight.weekday() in window.weekdays and begin >= start:
                begins.append(begin)
    return min(begins)


def next_run(plan: Scan, now: dt.datetime) -> dt.datetime:
    """The plan's run after the one due now: ``repeat_days`` on, at the same slot (never in the past)."""
    day = plan.next_run_at.astimezone(BEIJING).date()
    step = dt.timedelta(days=plan.repeat_days)
    following = first_slot(plan.authorisation, day + step)
    while following <= now:  # the server was down for longer than a period: no catch-up burst
        day += step
        following = first_slot(plan.authorisation, day + step)
    return following
