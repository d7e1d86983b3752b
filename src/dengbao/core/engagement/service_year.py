"""The year of services: occurrences generated from the contract's service lines.

Periodic lines split the service year into equal periods and fall due on the last working
day of each. Key-website protection (重点网站防护) is tied to the major holidays of the
Chinese calendar instead: it falls due on the last working day before each holiday starts,
so that the extra scanning is done before the sites are left unattended. When the calendar
package does not know a year, the holidays cannot be placed and the line falls back to
equal periods, saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dengbao.core import workdays


class ServiceKind(StrEnum):
    VULN_SCAN = "vuln_scan"  # 漏洞扫描
    KEY_WEBSITE = "key_website"  # 重点网站防护
    MONITORING = "monitoring"  # 网站监测
    DEEP_SCAN = "deep_scan"  # 重要信息系统漏洞检测
    INSPECTION = "inspection"  # 安全巡检及加固
    TRAINING = "training"  # 信息安全培训
    PENTEST = "pentest"  # 渗透测试: on request
    EMERGENCY = "emergency"  # 应急响应及安全咨询: on request


NAMES: dict[ServiceKind, str] = {
    ServiceKind.VULN_SCAN: "漏洞扫描",
    ServiceKind.KEY_WEBSITE: "重点网站防护",
    ServiceKind.MONITORING: "网站监测月报",
    ServiceKind.DEEP_SCAN: "重要信息系统漏洞检测",
    ServiceKind.INSPECTION: "安全巡检及加固",
    ServiceKind.TRAINING: "信息安全培训",
    ServiceKind.PENTEST: "渗透测试",
    ServiceKind.EMERGENCY: "应急响应及安全咨询",
}


@dataclass(frozen=True)
class ServiceLine:
    kind: ServiceKind
    times_per_year: int  # 0: on request only, nothing scheduled


# SCENARIO.md: scans and key-website protection 4×, deep scans 2×, quarterly inspections,
# training once, and all-year monitoring reported monthly.
STANDARD_LINES: tuple[ServiceLine, ...] = (
    ServiceLine(ServiceKind.VULN_SCAN, 4),
    ServiceLine(ServiceKind.KEY_WEBSITE, 4),
    ServiceLine(ServiceKind.MONITORING, 12),
    ServiceLine(ServiceKind.DEEP_SCAN, 2),
    ServiceLine(ServiceKind.INSPECTION, 4),
    ServiceLine(ServiceKind.TRAINING, 1),
    ServiceLine(ServiceKind.PENTEST, 0),
    ServiceLine(ServiceKind.EMERGENCY, 0),
)

# Which holidays count as major, most important first.
MAJOR_HOLIDAYS: tuple[tuple[str, str], ...] = (
    ("Spring Festival", "春节"),
    ("National Day", "国庆节"),
    ("Labour Day", "劳动节"),
    ("New Year's Day", "元旦"),
    ("Dragon Boat Festival", "端午节"),
    ("Mid-autumn Festival", "中秋节"),
    ("Tomb-sweeping Day", "清明节"),
)


@dataclass(frozen=True)
class Holiday:
    name: str  # Chinese name
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Occurrence:
    kind: ServiceKind
    sequence: int  # 1-based within its line
    title: str
    due: dt.date
    holiday: Holiday | None = None


@dataclass(frozen=True)
class Year:
    start: dt.date
    end: dt.date  # inclusive
    occurrences: list[Occurrence]
    holidays: list[Holiday]
    warnings: list[str]


def year_end(start: dt.date) -> dt.date:
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:
        return dt.date(start.year + 1, 2, 28)


def holidays(start: dt.date, end: dt.date) -> tuple[list[Holiday], list[str]]:
    """The statutory holiday periods between two dates, and the years the package does not know."""
    import chinese_calendar

    days_by_name: dict[str, list[dt.date]] = {}
    unknown: list[str] = []
    day = start
    while day <= end:
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            if str(day.year) not in unknown:
                unknown.append(str(day.year))
            is_holiday, name = False, None
        if is_holiday and name:
            days_by_name.setdefault(name, []).append(day)
        day += dt.timedelta(days=1)
    chinese = dict(MAJOR_HOLIDAYS)
    periods = []
    for name, days in days_by_name.items():  # a run of days (weekends may sit between) is one holiday
        first = previous = days[0]
        for following in [*days[1:], None]:
            if following is None or (following - previous).days > 3:
                periods.append(Holiday(chinese.get(name, name), first, previous))
                first = following or first
            previous = following or previous
    return sorted(periods, key=lambda h: h.first), unknown


def _last_workday_on_or_before(day: dt.date, cal: workdays.Calendar) -> dt.date:
    while not cal.is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def _period_ends(start: dt.date, end: dt.date, times: int) -> list[dt.date]:
    """The last day of each of ``times`` equal periods of [start, end]."""
    length = (end - start).days + 1
    return [start + dt.timedelta(days=(length * n) // times - 1) for n in range(1, times + 1)]


def _major(found: Iterable[Holiday], count: int) -> list[Holiday]:
    rank = {chinese: i for i, (_, chinese) in enumerate(MAJOR_HOLIDAYS)}
    chosen = sorted(found, key=lambda h: (rank.get(h.name, len(rank)), h.first))[:count]
    return sorted(chosen, key=lambda h: h.first)


def generate(start: dt.date, lines: Iterable[ServiceLine] = STANDARD_LINES) -> Year:
    """Every scheduled occurrence of the service year beginning on ``start``."""
    end = year_end(start)
    cal = workdays.Calendar()
    found, unknown = holidays(start, end)
    warnings = []
    occurrences: list[Occurrence] = []
    for line in lines:
        if line.times_per_year <= 0:
            continue
        name = NAMES[line.kind]
        if line.kind == ServiceKind.KEY_WEBSITE:
            major = _major(found, line.times_per_year)
            if len(major) == line.times_per_year and not unknown:
                for n, holiday in enumerate(major, 1):
                    due = _last_workday_on_or_before(holiday.first - dt.timedelta(days=1), cal)
                    occurrences.append(Occurrence(line.kind, n, f"{name}（{holiday.name}）", due, holiday))
                continue
            missing = f"{'、'.join(unknown)} 年的节假日未收录" if unknown else "服务期内重大节假日不足"
            warnings.append(f"{missing}，{name}按等分周期安排")
        for n, period_end in enumerate(_period_ends(start, end, line.times_per_year), 1):
            due = _last_workday_on_or_before(period_end, cal)
            title = name if line.times_per_year == 1 else f"{name}（第 {n} 次）"
            occurrences.append(Occurrence(line.kind, n, title, due))
    if cal.warning:
        warnings.append(cal.warning)
    occurrences.sort(key=lambda o: (o.due, o.kind, o.sequence))
    return Year(start, end, occurrences, found, warnings)
