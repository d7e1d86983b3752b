"""When an authorisation lets scans run: weekday time windows in Beijing time, or explicit periods.

Hospitals usually authorise scans out of hours ("周一至周五 22:00–06:00"), so a window may
cross midnight; it then belongs to the weekday on which it starts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

try:
    from zoneinfo import ZoneInfo

    BEIJING: dt.tzinfo = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database on the machine: China has kept UTC+8 without DST since 1991
    BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_DAY = 24 * 60
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _minutes(text: str) -> int:
    match = _HHMM.match(text)
    if not match or int(match[1]) > 24 or int(match[2]) > 59 or (int(match[1]) == 24 and int(match[2])):
        raise ValueError(f"时间“{text}”无效：应为 HH:MM（00:00–24:00）")
    return int(match[1]) * 60 + int(match[2])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def aware(at: dt.datetime, what: str = "时间") -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what}必须带时区（aware datetime）")
    return at


@dataclass(frozen=True)
class TimeWindow:
    """Weekdays (0 = Monday) and a start/end in minutes after midnight, Beijing time."""

    weekdays: frozenset[int]
    start: int
    end: int  # <= start: the window runs past midnight into the next day

    @classmethod
    def of(cls, weekdays: Iterable[int], start: str, end: str) -> TimeWindow:
        days = frozenset(weekdays)
        if not days or not days <= set(range(7)):
            raise ValueError("时间窗的星期应为 0（周一）到 6（周日）中的若干天")
        return cls(days, _minutes(start), _minutes(end))

    def _span(self) -> int:
        return (self.end - self.start) % _DAY or _DAY

    def contains(self, at: dt.datetime) -> bool:
        return self.ends_after(at) is not None

    def ends_after(self, at: dt.datetime) -> dt.datetime | None:
        """The end of the occurrence of this window that contains ``at``, or ``None``."""
        local = aware(at).astimezone(BEIJING)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        for back in (0, 1):  # an occurrence that started today, or yesterday and runs past midnight
            day = midnight - dt.timedelta(days=back)
            if day.weekday() not in self.weekdays:
                continue
            begin = day + dt.timedelta(minutes=self.start)
            finish = begin + dt.timedelta(minutes=self._span())
            if begin <= local < finish:
                return finish
        return None

    def describe(self) -> str:
        days = "、".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        suffix = "（次日）" if self.end <= self.start and self._span() != _DAY else ""
        return f"{days} {_hhmm(self.start)}–{suffix}{_hhmm(self.end)}"


@dataclass(frozen=True)
class Period:
    """An explicit authorised interval, e.g. one penetration-test week."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        aware(self.start, "时段起点")
        aware(self.end, "时段终点")
        if self.end <= self.start:
            raise ValueError("时段终点必须晚于起点")

    def contains(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end

    def describe(self) -> str:
        fmt = "%Y-%m-%d %H:%M"
        return f"{self.start.astimezone(BEIJING):{fmt}}–{self.end.astimezone(BEIJING):{fmt}}"


def window_end(
    windows: Iterable[TimeWindow], periods: Iterable[Period], at: dt.datetime
) -> dt.datetime | None:
    """When the permission that covers ``at`` ends, following back-to-back windows; ``None`` if open-ended.

    Raises ValueError when no window or period covers ``at`` (callers check first).
    """
    windows, periods = tuple(windows), tuple(periods)
    if not windows and not periods:
        return None
    end = at
    for _ in range(16):  # adjoining windows (e.g. every night of the week) chain into one run
        ends = [w.ends_after(end) for w in windows] + [p.end for p in periods if p.contains(end)]
        later = [e for e in ends if e is not None]
        if not later:
            break
        end = max(later)
    if end == at:
        raise ValueError("该时间不在任何授权时间窗内")
    return end
