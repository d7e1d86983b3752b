"""Payments, penalties, interest and the liability cap, in Decimal yuan rounded to the fen.

The contract's defaults: 30% within 15 working days after the survey report is confirmed,
60% within 15 working days after all reports and filing certificates are accepted, 10%
retention within 15 calendar days after one year from acceptance; late delivery costs
0.1% of the late part's value per calendar day; liability is capped at the fees paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from dengbao.core import workdays

FEN = Decimal("0.01")
PENALTY_PER_DAY = Decimal("0.001")  # 0.1% of the late part's value per day


def yuan(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


class DueUnit(StrEnum):
    WORKDAYS = "workdays"  # 工作日
    DAYS = "days"  # 自然日


class Trigger(StrEnum):
    SURVEY_CONFIRMED = "survey_confirmed"  # 调研报告确认
    ALL_ACCEPTED = "all_accepted"  # 全部正式报告及备案证明验收
    RETENTION = "retention"  # 验收满一年


@dataclass(frozen=True)
class Milestone:
    name: str
    percent: Decimal
    trigger: Trigger
    due_in: int
    unit: DueUnit
    after_years: int = 0  # the trigger date moves this many years first (the retention)


STANDARD_MILESTONES: tuple[Milestone, ...] = (
    Milestone("首付款", Decimal(30), Trigger.SURVEY_CONFIRMED, 15, DueUnit.WORKDAYS),
    Milestone("验收款", Decimal(60), Trigger.ALL_ACCEPTED, 15, DueUnit.WORKDAYS),
    Milestone("质保金", Decimal(10), Trigger.RETENTION, 15, DueUnit.DAYS, after_years=1),
)


def amount(total: Decimal, percent: Decimal) -> Decimal:
    return yuan(total * percent / 100)


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Due:
    date: dt.date
    warning: str = ""  # the calendar guessed a year it does not know


def due_date(milestone: Milestone, triggered_on: dt.date) -> Due:
    """When the payment falls due, counted from the day its condition was met."""
    start = _plus_years(triggered_on, milestone.after_years)
    if milestone.unit == DueUnit.DAYS:
        return Due(start + dt.timedelta(days=milestone.due_in))
    answer = workdays.add(start, milestone.due_in)
    assert isinstance(answer.value, dt.date)
    return Due(answer.value, answer.warning)


def late_days(due: dt.date, done: dt.date | None, today: dt.date) -> int:
    """Calendar days past ``due``: until ``done``, or until today while not done."""
    return max(0, ((done or today) - due).days)


def late_delivery_penalty(part_value: Decimal, days_late: int, rate: Decimal = PENALTY_PER_DAY) -> Decimal:
    """违约金: the late part's value × rate × days late."""
    return yuan(part_value * rate * max(0, days_late))


def late_payment_interest(unpaid: Decimal, days_late: int, annual_rate: Decimal) -> Decimal:
    """Interest on an overdue payment: simple, per calendar day, on a 365-day year."""
    return yuan(unpaid * annual_rate * max(0, days_late) / 365)


@dataclass(frozen=True)
class Liability:
    claimed: Decimal  # the sum of the penalties as computed
    cap: Decimal  # the fees paid so far
    payable: Decimal  # what can actually be claimed

    @property
    def capped(self) -> bool:
        return self.claimed > self.cap


def liability(penalties: Iterable[Decimal], fees_paid: Decimal) -> Liability:
    """The provider's liability is capped at the fees paid (责任上限)."""
    claimed = yuan(sum(penalties, Decimal(0)))
    cap = yuan(fees_paid)
    return Liability(claimed, cap, min(claimed, cap))


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """A line item's amount shared among the systems it pays for; the last part takes the odd fen."""
    if parts <= 0:
        return []
    share = (total / parts).quantize(FEN, rounding=ROUND_HALF_UP)
    return [share] * (parts - 1) + [yuan(total - share * (parts - 1))]
