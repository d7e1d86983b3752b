"""Phases in working days and the contract's rule-based deadlines (SCENARIO.md).

Every date here is on the official calendar of ``core.workdays``. A phase starts on the
working day after the previous one ends; the first starts the working day after signing.
Only extensions whose cause lies on the client's side move a deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from dengbao.core import workdays


@dataclass(frozen=True)
class Phase:
    key: str
    name: str
    workdays: int


# The contract's phases; 3+1+3+12+7+6+8 = 40 working days.
STANDARD_PHASES: tuple[Phase, ...] = (
    Phase("preparation", "准备", 3),
    Phase("kickoff", "启动会", 1),
    Phase("analysis", "信息系统分析", 3),
    Phase("onsite", "现场测评", 12),
    Phase("remediation_plan", "整改方案编制", 7),
    Phase("report", "报告编制", 6),
    Phase("filing", "公安备案", 8),
)

SURVEY_WITHIN = 15  # working days after signing
GAP_LIST_WITHIN = 15  # working days after the survey
RETEST_WITHIN = 10  # working days after the client's remediation report
PROJECT_WITHIN = 40  # working days after signing, the client's remediation time not counted


@dataclass(frozen=True)
class PlannedPhase:
    phase: Phase
    start: dt.date
    end: dt.date


def plan(
    signed_on: dt.date,
    phases: Sequence[Phase] = STANDARD_PHASES,
    calendar: workdays.Calendar | None = None,
) -> list[PlannedPhase]:
    """Back-to-back phases from the signing date, each ``workdays`` long (ends inclusive)."""
    cal = calendar or workdays.Calendar()
    planned, previous_end = [], signed_on
    for phase in phases:
        start = workdays.add(previous_end, 1, cal).value
        end = workdays.add(previous_end, phase.workdays, cal).value if phase.workdays else start
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        planned.append(PlannedPhase(phase, start, end))
        previous_end = end
    return planned


class Cause(StrEnum):
    CLIENT = "client"  # 甲方原因: the only cause that extends a deadline
    PROVIDER = "provider"  # 乙方原因
    OTHER = "other"


DEADLINE_KEYS = ("survey", "gap_list", "retest", "project")


@dataclass(frozen=True)
class Extension:
    cause: Cause
    workdays: int
    deadline: str = "project"  # the deadline it moves; the whole project's moves with it
    reason: str = ""


def extension_days(extensions: Iterable[Extension], deadline: str = "project") -> int:
    """Working days ``deadline`` moves: client-side causes only, the others count for nothing."""
    return sum(
        e.workdays
        for e in extensions
        if e.cause == Cause.CLIENT and (deadline == "project" or e.deadline == deadline)
    )


@dataclass(frozen=True)
class Facts:
    """What happened so far; None while it has not."""

    signed_on: dt.date
    survey_done: dt.date | None = None  # 调研报告确认
    gap_list_delivered: dt.date | None = None  # 差距分析问题列表提交
    remediation_reported: dt.date | None = None  # 甲方提交整改报告
    reports_delivered: dt.date | None = None  # 复测完成、正式测评报告提交
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True)
class Deadline:
    key: str
    name: str
    due: dt.date | None  # None: depends on a fact not known yet
    rule: str
    done: dt.date | None = None

    def late_days(self, today: dt.date) -> int:
        """Calendar days past the due date (when done late, or still open after it)."""
        if self.due is None:
            return 0
        return max(0, ((self.done or today) - self.due).days)


def _add(day: dt.date, n: int, cal: workdays.Calendar) -> dt.date:
    value = workdays.add(day, n, cal).value
    assert isinstance(value, dt.date)
    return value


def remediation_workdays(facts: Facts, calendar: workdays.Calendar | None = None) -> int:
    """The client's remediation time: working days from the gap list to its remediation report."""
    if facts.gap_list_delivered is None or facts.remediation_reported is None:
        return 0
    value = workdays.between(facts.gap_list_delivered, facts.remediation_reported, calendar).value
    assert isinstance(value, int)
    return max(0, value)


def deadlines(facts: Facts, calendar: workdays.Calendar | None = None) -> list[Deadline]:
    """The four rule-based deadlines of the contract, each moved by the client-side extensions."""
    cal = calendar or workdays.Calendar()

    def extra(key: str) -> int:
        return extension_days(facts.extensions, key)

    survey_due = _add(facts.signed_on, SURVEY_WITHIN + extra("survey"), cal)
    gap_due = _add(facts.survey_done, GAP_LIST_WITHIN + extra("gap_list"), cal) if facts.survey_done else None
    retest_due = (
        _add(facts.remediation_reported, RETEST_WITHIN + extra("retest"), cal)
        if facts.remediation_reported
        else None
    )
    project_days = PROJECT_WITHIN + extra("project") + remediation_workdays(facts, cal)
    return [
        Deadline("survey", "现场调研", survey_due, "签订合同后 15 个工作日内", facts.survey_done),
        Deadline(
            "gap_list",
            "现场测评及差距分析问题列表",
            gap_due,
            "调研后 15 个工作日内",
            facts.gap_list_delivered,
        ),
        Deadline(
            "retest",
            "复测及测评报告",
            retest_due,
            "甲方提交整改报告后 10 个工作日内",
            facts.reports_delivered,
        ),
        Deadline(
            "project",
            "项目完成",
            _add(facts.signed_on, project_days, cal),
            "签订合同后 40 个工作日内（不含甲方整改时间）",
            facts.reports_delivered,
        ),
    ]
