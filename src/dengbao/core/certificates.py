"""Filing certificate validity and the reminders that follow from it (公网安〔2025〕1846号).

A 备案证明 is valid for three years; certificates issued before 2025-01-01 count
from 2025-01-01; each completed 等级测评 extends it by one year; the extension is
requested within the three months before expiry. Levels 3 and above are assessed
once a year. The filing deadline, the police's review time and the 2025 re-filing
come from core.filing_rules, which names their sources.
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
    # assessment_due / certificate_renewal / certificate_expired / refiling / filing_due /
    # certificate_expected / refile_2025
    kind: str
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
    filing_due_on: dt.date | None = None,
    review_due_on: dt.date | None = None,
    legacy_forms: bool = False,
) -> list[Reminder]:
    """What is due for one system, soonest first.

    ``filing_due_on`` is given while a system that must file has not; ``review_due_on`` while a
    submitted filing waits for its 备案证明; ``legacy_forms`` while its latest filing is on the
    forms from before 2025."""
    out: list[Reminder] = []
    if filing_due_on is not None:
        rule = "（定级确定或投入运行后 30 日内）"
        if today > filing_due_on:
            text = f"{system}：备案已逾期，应在 {filing_due_on} 前到公安机关办理{rule}"
        else:
            text = f"{system}：应在 {filing_due_on} 前到公安机关办理备案{rule}"
        out.append(Reminder("filing_due", filing_due_on, text, today > filing_due_on))
    if review_due_on is not None:
        if today > review_due_on:
            text = (
                f"{system}：备案材料提交已超过 10 个工作日（{review_due_on}），尚未取得备案证明，"
                "请向受理机关查询"
            )
        else:
            text = f"{system}：备案材料已提交，公安机关应在 {review_due_on} 前审核并出具备案证明"
            text += "（10 个工作日）"
        out.append(Reminder("certificate_expected", review_due_on, text, today > review_due_on))
    if legacy_forms:
        out.append(
            Reminder(
                "refile_2025",
                today,
                f"{system}：按 2025 模板重新备案（公网安〔2025〕1846号，现有备案为旧版表格）",
                False,
            )
        )
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
