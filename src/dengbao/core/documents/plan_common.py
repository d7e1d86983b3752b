"""What the 差距分析问题列表, 安全整改方案 and 复测对比报告 share: the assessment they are about,
risk wording and counts, category grouping, and the plain-JSON form of their input.

The problem rows are ``core.problems.GapRow`` — the same rows the Excel gap list writes —
so the Word documents and the workbook can never disagree about a problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..problems import GapRow
from .common import cn_date, level_name

T = TypeVar("T")

RISKS = ("高", "中", "低")
# The workbook's shading of the 风险等级 cell, so the Word list reads the same at a glance.
RISK_FILL = {"高": "F8CBAD", "中": "FFE699", "低": "E2EFDA"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # keeps \t and \n (a line break in a cell)
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Subject:
    """The assessment a document is about, as its cover names it."""

    client: str  # 被测单位
    agency: str  # 测评机构
    assessment: str  # 测评项目名称
    systems: tuple[str, ...]  # 定级对象
    level: int
    sa: str = ""  # "S3A3"
    round_label: str = ""  # 初测 / 第1次复测
    date: dt.date | None = None


SUBJECT_LABELS = {
    "client": "被测单位名称",
    "agency": "测评机构名称",
    "assessment": "测评项目名称",
    "systems": "被测定级对象",
}


def missing_subject(subject: Subject) -> list[str]:
    """Chinese names of the cover fields left empty."""
    return [label for name, label in SUBJECT_LABELS.items() if not getattr(subject, name)]


def scope(subject: Subject) -> str:
    """ "HIS/EMR/LIS 等级测评（初测）": the assessment and the round a document speaks of."""
    name = clean(subject.assessment)
    return f"{name}（{subject.round_label}）" if subject.round_label else name


def subject_context(subject: Subject) -> dict:
    level = level_name(subject.level) if subject.level in range(1, 6) else ""
    return {
        "client": clean(subject.client),
        "agency": clean(subject.agency),
        "assessment": clean(subject.assessment),
        "systems": [clean(s) for s in subject.systems],
        "systems_text": "、".join(clean(s) for s in subject.systems),
        "level_name": level,
        "sa": subject.sa,
        "level_text": f"{level}（{subject.sa}）" if level and subject.sa else level,
        "round_label": subject.round_label,
        "scope": scope(subject),
        "date": cn_date(subject.date),
    }


def clean(text: str) -> str:
    """Text as Word can hold it: control characters dropped (docxtpl would turn ``\\a`` and
    ``\\f`` in a value into new paragraphs and page breaks), line breaks kept."""
    return _CONTROL.sub("", text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: the numbering of 章 and （一） headings."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[ones] if ones else "")


def gap_row_context(n: int, row: GapRow) -> dict:
    """One problem as every table of these documents prints it (the Excel list's columns)."""
    return {
        "index": str(n),
        "category": clean(row.category),
        "control_point": clean(row.control_point),
        "item": clean(row.item),
        "objects": clean(row.objects),
        "description": clean(row.description),
        "risk": row.risk,
        "risk_fill": RISK_FILL.get(row.risk, ""),
        "case": clean(row.case) or "—",
        "remediation": clean(row.remediation),
        "status": row.status,
        "scope": clean(row.scope),
    }


def risk_counts(rows: Iterable[GapRow]) -> dict[str, int]:
    counts = dict.fromkeys(RISKS, 0)
    for row in rows:
        if row.risk in counts:
            counts[row.risk] += 1
    return counts


def by_category(items: Iterable[T], row: Callable[[T], GapRow]) -> dict[str, list[T]]:
    """Items grouped by their row's 安全类, in the order they come (catalogue order: 通用要求,
    then the extensions)."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(row(item).category or "其他", []).append(item)
    return groups


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def as_data(value: Any) -> Any:
    """An input dataclass as plain JSON types (dates as ISO text), to store beside the document."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): as_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_data(v) for v in value]
    return value
