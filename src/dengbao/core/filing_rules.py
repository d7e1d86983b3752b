"""The dates the filing (备案) rules set, and the forms a filing was made on.

Sources (docs/guide/grading.md cites them for users):

- 《信息安全等级保护管理办法》(公通字〔2007〕43号) 第十五条: a running system of level 2 or
  above files within 30 days after its level is set; a new one within 30 days after it
  goes into operation.
- The same, 第十七条: the public-security organ reviews the materials within 10 working
  days of receiving them and issues the 备案证明 when they pass.
- 公网安〔2025〕1846号 (2025-04-27), question 1: every filed system of level 2 or above
  files again with the 2025 定级报告 and 备案表, whether or not its level changed.

Pure functions of dates: the Django side passes what its records hold.
"""

from __future__ import annotations

import datetime as dt

from . import workdays

FILING_DAYS = 30
REVIEW_WORKDAYS = 10
FORMS_2025_FROM = dt.date(2025, 4, 27)  # the date of 公网安〔2025〕1846号
EDITION_2025 = "2025"
EDITION_LEGACY = "legacy"
EDITIONS = ((EDITION_2025, "2025 版定级报告与备案表"), (EDITION_LEGACY, "旧版（2025 年以前）"))


def filing_due(*, level: int | None, graded_on: dt.date | None, go_live: dt.date | None) -> dt.date | None:
    """The last day to file: 30 days after the level is set, or after go-live for a system that was
    not yet running then. None when no filing is required (level 1 or unknown) or no date is known."""
    if level is None or level < 2 or graded_on is None:
        return None
    start = go_live if go_live is not None and go_live > graded_on else graded_on
    return start + dt.timedelta(days=FILING_DAYS)


def certificate_expected(submitted_on: dt.date) -> workdays.Answer:
    """The day by which the public-security organ is to have reviewed a filing received on
    ``submitted_on``: 10 working days on the Chinese calendar (the answer warns for unknown years)."""
    return workdays.add(submitted_on, REVIEW_WORKDAYS)


def edition(recorded: str, submitted_on: dt.date | None) -> str:
    """The forms a filing was made on: as recorded, else by the date it was submitted."""
    if recorded in (EDITION_2025, EDITION_LEGACY):
        return recorded
    if submitted_on is not None and submitted_on < FORMS_2025_FROM:
        return EDITION_LEGACY
    return EDITION_2025
