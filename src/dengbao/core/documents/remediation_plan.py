"""安全整改方案: per problem the remediation, its priority, owner, due date and status, grouped
by 安全类, with the 重大风险隐患 first.

Priority follows from the risk and the high-risk judgement, so the plan orders work the way
the 测评 will judge it: a problem inside an open 重大风险隐患 is 紧急 (it alone can keep
the conclusion from 符合), a 高风险 problem or one whose high-risk case is still to be
confirmed is 高, then 中 and 低 as the risk.

Context keys a replacement template may use: ``subject`` (see ``plan_common``), ``total``,
``summary``, ``category_rows`` (``index``, ``category``, ``total``, ``urgent``, ``high``,
``medium``, ``low``, ``done``) with ``category_total``, ``priority_rows`` (``priority``,
``basis``, ``requirement``, ``count``), ``major_risks`` (``index``, ``title``,
``description``, ``problems``, ``status``) and ``groups`` (``heading``, ``caption``,
``category``, ``problems``: ``index``, ``unit``, ``control_point``, ``item``, ``objects``,
``description``, ``risk``, ``risk_fill``, ``case``, ``priority``, ``measure``, ``owner``,
``due``, ``status``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..problems import GapRow
from . import builder
from .common import TEMPLATES, cn_date
from .plan_common import (
    Subject,
    by_category,
    clean,
    cn_number,
    gap_row_context,
    missing_subject,
    scope,
    subject_context,
)

TEMPLATE = TEMPLATES / "remediation-plan.docx"

# (priority, what earns it, what the plan asks for it), most pressing first
PRIORITIES = (
    ("紧急", "构成重大风险隐患的问题", "立即整改，复测前必须完成"),
    ("高", "高风险问题，或适用高风险判例尚待确认的问题", "优先安排整改"),
    ("中", "中风险问题", "在完成期限内整改"),
    ("低", "低风险问题", "结合建设与运维计划整改"),
)
PRIORITY_RANK = {name: n for n, (name, _, _) in enumerate(PRIORITIES)}
OPEN_STATUS = "未整改"  # the problem's status label while nothing is settled
DONE_STATUSES = frozenset({"已整改", "已验证"})
UNASSIGNED = "待定"


@dataclass(frozen=True)
class PlanItem:
    """One problem of the round and the task that remedies it (if one has been given out)."""

    row: GapRow  # the problem as the gap list shows it
    unit: str  # "L3-CES1-01"
    case_status: str = "none"  # none / proposed / confirmed / rejected
    owner: str = ""  # 责任人; "" while nobody has been given the task
    due_date: dt.date | None = None
    task_status: str = ""  # the task's status label (待整改 … 已验证); "" without a task
    measure: str = ""  # the owner's own measure, when there is one


@dataclass(frozen=True)
class MajorRiskItem:
    title: str
    description: str = ""
    units: tuple[str, ...] = ()  # the problems (test units) that make it
    fixed: bool = False


@dataclass(frozen=True)
class PlanData:
    """The round's problems in catalogue order, and its 重大风险隐患."""

    subject: Subject
    items: tuple[PlanItem, ...]
    major_risks: tuple[MajorRiskItem, ...] = ()


def priority(item: PlanItem, urgent_units: frozenset[str] = frozenset()) -> str:
    if item.unit in urgent_units:
        return "紧急"
    if item.row.risk == "高" or item.case_status == "proposed":
        return "高"
    return "中" if item.row.risk == "中" else "低"


def status_text(item: PlanItem) -> str:
    """The problem's own status once settled (已整改, 接受风险), else its task's, else 待分配."""
    if item.row.status and item.row.status != OPEN_STATUS:
        return item.row.status
    return item.task_status or "待分配"


def remediation_plan_context(data: PlanData) -> dict:
    urgent = frozenset(u for m in data.major_risks if not m.fixed for u in m.units)
    ranked = [(i, priority(i, urgent)) for i in data.items]
    first_table = 4  # 表1 overview, 表2 priorities, 表3 重大风险隐患
    groups = []
    category_rows = []
    for n, (category, members) in enumerate(by_category(ranked, lambda p: p[0].row).items(), 1):
        members.sort(key=lambda p: PRIORITY_RANK[p[1]])  # stable: catalogue order within a priority
        groups.append(
            {
                "heading": f"（{cn_number(n)}）{category}",
                "caption": f"表{first_table + n - 1}　{category}整改措施",
                "category": category,
                "problems": [_item_context(k, i, prio) for k, (i, prio) in enumerate(members, 1)],
            }
        )
        category_rows.append({"index": str(n), "category": category, **_counts(members)})
    return {
        "subject": subject_context(data.subject),
        "total": len(ranked),
        "summary": _summary(data, ranked),
        "category_rows": category_rows,
        "category_total": _counts(ranked),
        "priority_rows": [
            {
                "priority": name,
                "basis": basis,
                "requirement": requirement,
                "count": sum(p == name for _, p in ranked),
            }
            for name, basis, requirement in PRIORITIES
        ],
        "major_risks": [_major_context(n, m, data.items) for n, m in enumerate(data.major_risks, 1)],
        "groups": groups,
    }


def missing_for_remediation_plan(data: PlanData) -> list[str]:
    """The cover's fields, and every problem still without a remediation suggestion."""
    return missing_subject(data.subject) + [
        f"{i.unit} 的整改建议" for i in data.items if not clean(i.row.remediation)
    ]


def render_remediation_plan(data: PlanData, *, template: Path | None = None) -> bytes:
    return builder.render_docx(template or TEMPLATE, remediation_plan_context(data))


def _item_context(n: int, item: PlanItem, prio: str) -> dict:
    row = gap_row_context(n, item.row)
    measure = clean(item.row.remediation)
    own = clean(item.measure)
    if own and own != measure:
        measure = f"{measure}\n落实措施：{own}" if measure else own
    return {
        **row,
        "unit": item.unit,
        "priority": prio,
        "measure": measure,
        "owner": clean(item.owner) or UNASSIGNED,
        "due": cn_date(item.due_date, blank=UNASSIGNED),
        "status": status_text(item),
    }


def _counts(ranked: list[tuple[PlanItem, str]]) -> dict[str, int]:
    names = {"紧急": "urgent", "高": "high", "中": "medium", "低": "low"}
    out = dict.fromkeys(names.values(), 0)
    for _, prio in ranked:
        out[names[prio]] += 1
    return {
        "total": len(ranked),
        **out,
        "done": sum(status_text(i) in DONE_STATUSES for i, _ in ranked),
    }


def _major_context(n: int, risk: MajorRiskItem, items: tuple[PlanItem, ...]) -> dict:
    titles = {i.unit: f"{i.unit} {clean(i.row.control_point)}" for i in items}
    return {
        "index": str(n),
        "title": clean(risk.title),
        "description": clean(risk.description) or "—",
        "problems": "\n".join(titles.get(u, u) for u in risk.units) or "—",
        "status": "已整改" if risk.fixed else "未整改",
    }


def _summary(data: PlanData, ranked: list[tuple[PlanItem, str]]) -> str:
    where = scope(data.subject)
    total = len(data.items)
    if not total:
        return f"{where}未发现需要整改的安全问题。"
    counts = {name: sum(p == name for _, p in ranked) for name, _, _ in PRIORITIES}
    open_majors = sum(not m.fixed for m in data.major_risks)
    assigned = sum(bool(i.owner) for i in data.items)
    majors = ""
    if data.major_risks:
        majors = f"重大风险隐患 {len(data.major_risks)} 项（其中未整改 {open_majors} 项），"
    return (
        f"{where}共有安全问题 {total} 个，{majors}按优先级分为紧急 {counts['紧急']} 个、"
        f"高 {counts['高']} 个、中 {counts['中']} 个、低 {counts['低']} 个；已明确责任人的 {assigned} 个。"
    )
