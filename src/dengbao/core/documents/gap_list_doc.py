"""差距分析问题列表 as Word: the Excel list's rows with a cover, an explanation and the counts.

Context keys a replacement template may use: ``subject`` (``client``, ``agency``,
``assessment``, ``systems_text``, ``level_text``, ``round_label``, ``date``), ``total``,
``summary``, ``risk_rows`` (``risk``, ``count``, ``share``), ``category_rows`` (``index``,
``category``, ``high``, ``medium``, ``low``, ``total``) with ``category_total``,
``status_rows`` (``status``, ``count``, ``share``) and ``rows`` (the problems: ``index``,
``category``, ``control_point``, ``item``, ``objects``, ``description``, ``risk``,
``risk_fill``, ``case``, ``remediation``, ``status``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..problems import GapRow
from . import builder
from .common import TEMPLATES
from .plan_common import (
    RISKS,
    Subject,
    by_category,
    gap_row_context,
    missing_subject,
    percent,
    risk_counts,
    scope,
    subject_context,
)

TEMPLATE = TEMPLATES / "gap-list.docx"


@dataclass(frozen=True)
class GapListData:
    """The round's problems in catalogue order, as ``GapEntry.gap_row()`` gives them."""

    subject: Subject
    rows: tuple[GapRow, ...]


def gap_list_context(data: GapListData) -> dict:
    rows = list(data.rows)
    risks = risk_counts(rows)
    total = len(rows)
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    return {
        "subject": subject_context(data.subject),
        "total": total,
        "summary": _summary(data.subject, total, risks),
        "risk_rows": [
            *({"risk": f"{r}风险", "count": risks[r], "share": percent(risks[r], total)} for r in RISKS),
            {"risk": "合计", "count": total, "share": percent(total, total)},
        ],
        "category_rows": category_rows(rows),
        "category_total": {
            "high": risks["高"],
            "medium": risks["中"],
            "low": risks["低"],
            "total": total,
        },
        "status_rows": [
            {"status": status, "count": n, "share": percent(n, total)} for status, n in statuses.items()
        ],
        "rows": [gap_row_context(n, row) for n, row in enumerate(rows, 1)],
    }


def category_rows(rows: Sequence[GapRow]) -> list[dict]:
    """Problems per 安全类 and risk, one row per category that has any."""
    out = []
    for n, (category, members) in enumerate(by_category(rows, lambda r: r).items(), 1):
        counts = risk_counts(members)
        out.append(
            {
                "index": str(n),
                "category": category,
                "high": counts["高"],
                "medium": counts["中"],
                "low": counts["低"],
                "total": len(members),
            }
        )
    return out


def missing_for_gap_list(data: GapListData) -> list[str]:
    """Chinese names of what must be filled in before the list can be made."""
    return missing_subject(data.subject)


def render_gap_list(data: GapListData, *, template: Path | None = None) -> bytes:
    return builder.render_docx(template or TEMPLATE, gap_list_context(data))


def _summary(subject: Subject, total: int, risks: dict[str, int]) -> str:
    where = scope(subject)
    if not total:
        return f"{where}中未发现测评结果为“部分符合”或“不符合”的测评项，本列表无安全问题。"
    return (
        f"{where}共发现安全问题 {total} 个，其中高风险问题 {risks['高']} 个、"
        f"中风险问题 {risks['中']} 个、低风险问题 {risks['低']} 个。"
        "各问题的测评对象、问题描述、风险等级、适用的高风险判例及整改建议见第三章。"
    )
