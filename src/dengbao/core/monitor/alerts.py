"""Alert rules as a pure state machine: when a failing monitor becomes an incident, and when it ends.

Thresholds keep one lost packet from paging anyone (``failure_threshold`` consecutive failures
open an incident, ``recovery_threshold`` successes close it). The quiet period stops a flapping
site from sending a message every minute: an incident that opens within ``quiet_period`` seconds
of the last message is held, and its message goes out when the quiet period ends if the site is
still down; if it recovers first, nobody is woken for it. A "resolved" message is always sent for
an incident whose opening was sent, so no one is left believing a site is still down.

The database layer stores :class:`AlertState` per (monitor, rule) and calls :func:`step` with each
check's verdict; an event with ``notify`` set is handed to the channels, and every event belongs
on the incident timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from .results import Severity, worst
from .tls import DEFAULT_EXPIRY_THRESHOLDS, expiry_threshold_hit

if TYPE_CHECKING:
    from .engine import CheckReport


@dataclass(frozen=True)
class AlertRule:
    failure_threshold: int = 3
    recovery_threshold: int = 2
    quiet_period: float = 600.0
    repeat_interval: float | None = None  # remind while still down; None = never


class Phase(StrEnum):
    UP = "up"
    PENDING = "pending"  # failing, fewer than failure_threshold times in a row
    DOWN = "down"  # an open incident


@dataclass(frozen=True)
class AlertState:
    phase: Phase = Phase.UP
    failures: int = 0
    successes: int = 0
    opened_at: float | None = None
    last_notified_at: float | None = None
    held: bool = False  # the opening message waits for the quiet period to end

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "phase": str(self.phase)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlertState:
        return cls(**{**data, "phase": Phase(data.get("phase", "up"))})


class EventKind(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    REMINDER = "reminder"


@dataclass(frozen=True)
class AlertEvent:
    kind: EventKind
    at: float
    notify: bool
    note: str = ""


def _quiet(rule: AlertRule, state: AlertState, now: float) -> bool:
    return state.last_notified_at is not None and now - state.last_notified_at < rule.quiet_period


def step(rule: AlertRule, state: AlertState, ok: bool, now: float) -> tuple[AlertState, AlertEvent | None]:
    """Feed one check verdict (``ok``) at time ``now`` (seconds); returns the new state and any event."""
    if ok:
        if state.phase is not Phase.DOWN:
            return replace(state, phase=Phase.UP, failures=0, successes=state.successes + 1), None
        successes = state.successes + 1
        if successes < rule.recovery_threshold:
            return replace(state, successes=successes), None
        notify = not state.held
        closed = replace(
            state,
            phase=Phase.UP,
            failures=0,
            successes=successes,
            opened_at=None,
            held=False,
            last_notified_at=now if notify else state.last_notified_at,
        )
        note = "已恢复" if notify else "已恢复（开启通知仍在静默期内，未发送）"
        return closed, AlertEvent(EventKind.RESOLVED, now, notify, note)

    if state.phase is Phase.DOWN:
        state = replace(state, failures=state.failures + 1, successes=0)
        if state.held and not _quiet(rule, state, now):
            return replace(state, held=False, last_notified_at=now), AlertEvent(
                EventKind.FIRING, now, True, "静默期结束，仍未恢复"
            )
        if (
            not state.held
            and rule.repeat_interval is not None
            and state.last_notified_at is not None
            and now - state.last_notified_at >= rule.repeat_interval
        ):
            return replace(state, last_notified_at=now), AlertEvent(EventKind.REMINDER, now, True, "仍未恢复")
        return state, None

    failures = state.failures + 1
    if failures < rule.failure_threshold:
        return replace(state, phase=Phase.PENDING, failures=failures, successes=0), None
    held = _quiet(rule, state, now)
    opened = replace(
        state,
        phase=Phase.DOWN,
        failures=failures,
        successes=0,
        opened_at=now,
        held=held,
        last_notified_at=state.last_notified_at if held else now,
    )
    note = f"连续 {failures} 次失败" + ("（静默期内，暂缓通知）" if held else "")
    return opened, AlertEvent(EventKind.FIRING, now, not held, note)


def expiry_step(
    last_threshold: int | None, days_left: int, thresholds: Sequence[int] = DEFAULT_EXPIRY_THRESHOLDS
) -> tuple[int | None, bool]:
    """Certificate-expiry reminders: one message as each threshold (30, 14, 7 days) is reached.

    Returns the threshold now reached (store it) and whether to notify; renewal resets it.
    """
    hit = expiry_threshold_hit(days_left, thresholds)
    if hit is None:
        return None, False
    return hit, last_threshold is None or hit < last_threshold


@dataclass(frozen=True)
class AlertMessage:
    """What every channel renders: a title, a few lines, and where to look."""

    monitor: str
    url: str
    event: str  # firing, resolved, reminder, test
    severity: Severity
    lines: tuple[str, ...]
    at: dt.datetime
    link: str | None = None

    @property
    def title(self) -> str:
        word = {"firing": "告警", "resolved": "恢复", "reminder": "仍未恢复", "test": "测试消息"}.get(
            self.event, self.event
        )
        return f"【dengbao 网站监测{word}】{self.monitor}"

    def text(self) -> str:
        local = self.at.astimezone(dt.timezone(dt.timedelta(hours=8)))
        body = [
            self.title,
            f"地址：{self.url}",
            f"级别：{self.severity.label}",
            *self.lines,
            f"时间：{local:%Y-%m-%d %H:%M:%S}（北京时间）",
        ]
        if self.link:
            body.append(f"详情：{self.link}")
        return "\n".join(body)

    def markdown(self) -> str:
        head, *rest = self.text().split("\n")
        return "\n\n".join([f"### {head}", *(f"- {line}" for line in rest)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "url": self.url,
            "event": self.event,
            "severity": str(self.severity),
            "title": self.title,
            "lines": list(self.lines),
            "at": self.at.isoformat(),
            "link": self.link,
        }


def message_for(
    monitor: str, report: CheckReport, event: EventKind | str, *, link: str | None = None
) -> AlertMessage:
    failed = report.failed
    lines = tuple(f"{c.name}：{c.detail}" for c in failed[:8])
    if not failed:
        lines = ("全部检查通过",)
    severity = worst(c.severity for c in failed) if failed else Severity.INFO
    return AlertMessage(monitor, report.url, str(event), severity, lines, report.checked_at, link)


class TicketHook(Protocol):
    """Where an alert can open an emergency-response ticket once the tickets app exists.

    Called by the database layer for events with ``notify`` set; returns the ticket's id or None.
    """

    def open_ticket(self, *, monitor: str, event: AlertEvent, message: AlertMessage) -> str | None: ...
