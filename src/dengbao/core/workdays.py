"""Working days on the official calendar of mainland China.

Weekends, statutory holidays and make-up working days (调休) come from the maintained
``chinesecalendar`` package. A date in a year the package does not know is counted
with weekends only, and the result says so: it is never silently wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Calendar:
    """Answers whether a day is a working day, remembering the years it had to guess."""

    guessed_years: set[int] = field(default_factory=set)

    def is_workday(self, day: dt.date) -> bool:
        import chinese_calendar

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self.guessed_years.add(day.year)
            return day.weekday() < 5

    @property
    def warning(self) -> str:
        if not self.guessed_years:
            return ""
        years = "、".join(str(y) for y in sorted(self.guessed_years))
        return f"{years} 年的法定节假日与调休尚未收录，这些年份只按周末计算"


@dataclass(frozen=True)
class Answer:
    value: dt.date | int
    warning: str = ""


def add(start: dt.date, days: int, calendar: Calendar | None = None) -> Answer:
    """The date ``days`` working days after ``start`` (before it when negative), start not counted."""
    cal = calendar or Calendar()
    step = 1 if days >= 0 else -1
    remaining, day = abs(days), start
    while remaining:
        day += dt.timedelta(days=step)
        if cal.is_workday(day):
            remaining -= 1
    return Answer(day, cal.warning)


def between(start: dt.date, end: dt.date, calendar: Calendar | None = None) -> Answer:
    """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
    cal = calendar or Calendar()
    sign, lo, hi = (1, start, end) if end >= start else (-1, end, start)
    count = sum(cal.is_workday(lo + dt.timedelta(days=n)) for n in range(1, (hi - lo).days + 1))
    return Answer(sign * count, cal.warning)


def next_workday(day: dt.date, calendar: Calendar | None = None) -> Answer:
    """The first working day on or after ``day``."""
    cal = calendar or Calendar()
    while not cal.is_workday(day):
        day += dt.timedelta(days=1)
    return Answer(day, cal.warning)
