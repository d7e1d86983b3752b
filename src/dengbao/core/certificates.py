"""Filing certificate validity and the reminders that follow from it (公网安〔2025〕1846号).

A 备案证明 is valid for three years; certificates issued before 2025-01-01 count
from 2025-01-01; each completed 等级测评 extends it by one year; the extension is
requested within the three months before expiry. Levels 3 and above are assessed
once a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

RULE_START = dt.date(2025, 1, 1)
VALID_YEARS = 3
RENEWAL_WINDOW_MONTHS = 3


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def valid_until(issued_on: dt.date, assessments: Iterable[dt.date] = ()) -> dt.date:
    """Expiry: three years from issue (from 2025-01-01 for older ones), plus a year per completed assessment
    made while the certificate was valid."""
    start = max(issued_on, RULE_START)
    expiry = add_years(start, VALID_YEARS)
    for done in sorted(assessments):
        if start <= done <= expiry:
            expiry = add_years(expiry, 1)
    return expiry


@dataclass(frozen=True)
class Reminder:
    kind: str  # assessment_due / certificate_renewal / certificate_expired / refiling
    due: dt.date
    message: str
    overdue: bool


def reminders(
    *,
    system: str,
    level: int | None,
    today: dt.date,
    issued_on: dt.date | None = None,
    assessments: Iterable[dt.date] = (),
    changed_since_filing: bool = False,
) -> list[Reminder]:
    """What is due for one system, soonest first."""
    out: list[Reminder] = []
    done = sorted(assessments)
    if level is not None and level >= 3:
        due = add_years(done[-1], 1) if done else today
        out.append(
            Reminder(
                "assessment_due",
                due,
                f"{system}：第{level}级每年开展一次等级测评，下次应在 {due} 前完成",
                due < today,
            )
        )
    if issued_on is not None:
        expiry = valid_until(issued_on, done)
        window = add_months(expiry, -RENEWAL_WINDOW_MONTHS)
        if today > expiry:
            out.append(Reminder("certificate_expired", expiry, f"{system}：备案证明已于 {expiry} 到期", True))
        elif today >= window:
            out.append(
                Reminder(
                    "certificate_renewal",
                    expiry,
                    f"{system}：备案证明将于 {expiry} 到期，请在到期前三个月内申请延续",
                    False,
                )
            )
    if changed_since_filing:
        out.append(Reminder("refiling", today, f"{system}：定级已变更，需重新备案", True))
    return sorted(out, key=lambda r: r.due)
