"""保护工作方案 (公网安〔2025〕1846号 Q23–Q24): what a system of level 3 or above files with its
备案 — its assets, the protection it has, its problems and their causes, the remediation
approach and a dated plan.

Plain data in, plain data out: the records are read by ``reports.documents.protection_plan_data``, the
document is written by ``core.documents.protection_plan``. The rules here:

- which systems need the plan (level 3 and above);
- the cause of a problem, from its 安全类 (technical or management) and how its objects fell
  short (every object 不符合: the measure is missing; some 符合 and some not: not rolled out to
  every object; objects 部分符合: configured or carried out incompletely);
- the approach per 安全类 and the three stages of work (high risk first);
- the order of the plan's tasks (by due date, tasks without one last and flagged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .catalogue.vocab import CATEGORIES, CATEGORY_BY_CODE, CATEGORY_ORDER

MIN_LEVEL = 3  # 1846号 Q23: 第三级及以上网络运营者编制保护工作方案

CONFORMS, PARTIAL, FAILS = "符合", "部分符合", "不符合"
SHORT_OF = (PARTIAL, FAILS)

# cause keys, in the order the document explains them
MISSING_MEASURE = "technical_missing"
NOT_EVERYWHERE = "not_everywhere"
MISCONFIGURED = "misconfigured"
NO_RULES = "no_rules"
NOT_PRACTISED = "not_practised"

CAUSES: dict[str, tuple[str, str]] = {
    # key: (cause as the table prints it, the approach that answers it)
    MISSING_MEASURE: ("技术措施缺失", "部署或启用相应的安全设备、软件或功能"),
    NOT_EVERYWHERE: ("措施覆盖不全（部分对象未落实）", "将已有措施推广到全部相关对象"),
    MISCONFIGURED: ("配置或策略不完善", "对照安全配置基线核查并加固配置、完善安全策略"),
    NO_RULES: ("管理制度或机制缺失", "制定并发布相应的管理制度、操作规程或工作机制"),
    NOT_PRACTISED: ("管理要求落实不到位", "落实已有制度并保留执行记录，定期检查执行情况"),
}
# what is missing when a management requirement is not met at all, by 安全类
NO_RULES_DETAIL = {
    "PSS": "管理制度缺失",
    "ORS": "管理机构或岗位缺失",
    "HRS": "人员管理措施缺失",
    "CMS": "建设过程管理缺失",
    "MMS": "运维管理制度缺失",
}

# the three stages of the work, most pressing first: (stage, what belongs to it, what is asked)
STAGES = (
    ("第一阶段", "重大风险隐患、高风险问题", "立即整改，完成前采取临时防护措施"),
    ("第二阶段", "中风险问题", "在整改期限内完成"),
    ("第三阶段", "低风险问题", "结合系统建设和日常运维逐步完成"),
)
STAGE_OF_RISK = {"高": 0, "中": 1, "低": 2}


class NotRequired(ValueError):
    """The system is below level 3: 1846号 asks no 保护工作方案 of it."""


def required(level: int | None) -> bool:
    return bool(level) and int(level or 0) >= MIN_LEVEL


def refusal(name: str, level: int | None) -> str:
    shown = f"第{'一二三四五'[level - 1]}级" if level and 1 <= level <= 5 else "未定级"
    return f"保护工作方案仅适用于第三级及以上的定级对象：{name}为{shown}"


@dataclass(frozen=True)
class Asset:
    """One assessment object of the system (测评对象) as an asset."""

    kind: str  # 对象类型, e.g. 服务器/操作系统
    name: str
    model_version: str = ""
    location: str = ""
    importance: str = ""  # 关键 / 重要 / 一般


@dataclass(frozen=True)
class ItemFinding:
    """One test unit of the assessment over the system's objects (the control-point rule), with the
    problem recorded for it when it fell short."""

    unit: str  # "L3-CES1-01"
    category: str  # 安全类 code: PES … MMS
    control_point: str
    requirement: str
    result: str  # 符合 / 部分符合 / 不符合
    counts: Mapping[str, int] = field(default_factory=dict)  # results over its objects
    objects: tuple[str, ...] = ()  # objects short of 符合
    description: str = ""
    risk: str = ""  # 高 / 中 / 低 ("" without a problem record)
    case: str = ""  # the high-risk case that applies (confirmed)


@dataclass(frozen=True)
class CategoryScore:
    category: str  # code
    score: float | None  # percent
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """A remediation task given out for one of the system's problems."""

    unit: str
    title: str  # the problem
    measure: str
    owner: str
    due_date: dt.date | None
    status: str  # the task's status label
    risk: str = ""
    done: bool = False  # verified
    open: bool = True  # still the owner's to do (a submitted task waits on the provider)


def category_name(code: str) -> str:
    return CATEGORY_BY_CODE[code].name if code in CATEGORY_BY_CODE else (code or "其他")


def technical(code: str) -> bool:
    category = CATEGORY_BY_CODE.get(code)
    return category.technical if category else True


def cause(finding: ItemFinding) -> str:
    """The cause key of a problem from its 安全类 and how its objects fell short."""
    counts = finding.counts
    some_conform = counts.get(CONFORMS, 0) > 0
    some_partial = counts.get(PARTIAL, 0) > 0
    if technical(finding.category):
        if finding.result == FAILS:
            return MISSING_MEASURE
        return NOT_EVERYWHERE if some_conform and not some_partial else MISCONFIGURED
    return NO_RULES if finding.result == FAILS else NOT_PRACTISED


def cause_text(finding: ItemFinding) -> str:
    key = cause(finding)
    if key == NO_RULES:
        return NO_RULES_DETAIL.get(finding.category, CAUSES[NO_RULES][0])
    return CAUSES[key][0]


def stage(finding: ItemFinding, major_units: frozenset[str] = frozenset()) -> int:
    """0, 1 or 2 (see ``STAGES``): 重大风险隐患 and high risk first; without a risk, as its result."""
    if finding.unit in major_units or finding.case:
        return 0
    if finding.risk in STAGE_OF_RISK:
        return STAGE_OF_RISK[finding.risk]
    return 1 if finding.result == FAILS else 2


def problems(findings: Iterable[ItemFinding]) -> list[ItemFinding]:
    """The findings short of 符合, in the order given (catalogue order)."""
    return [f for f in findings if f.result in SHORT_OF]


def by_category(findings: Iterable[ItemFinding]) -> dict[str, list[ItemFinding]]:
    """Findings grouped by 安全类 code, in the standard's order of the categories."""
    groups: dict[str, list[ItemFinding]] = {}
    for f in findings:
        groups.setdefault(f.category, []).append(f)
    return dict(sorted(groups.items(), key=lambda kv: (CATEGORY_ORDER.get(kv[0], 99), kv[0])))


def conforming_points(findings: Iterable[ItemFinding]) -> tuple[list[str], list[str]]:
    """(control points every item of which is 符合, control points partly met), first-seen order."""
    seen: dict[str, list[str]] = {}
    for f in findings:
        seen.setdefault(f.control_point, []).append(f.result)
    full = [cp for cp, results in seen.items() if all(r == CONFORMS for r in results)]
    part = [cp for cp, results in seen.items() if CONFORMS in results and cp not in full]
    return full, part


@dataclass(frozen=True)
class Approach:
    category: str  # code
    technical: bool
    count: int
    first_stage: int  # how many belong to the first stage
    causes: tuple[tuple[str, int], ...]  # (cause text, how many)
    measures: tuple[str, ...]  # the approach, one phrase per cause key present
    priority: str  # 优先 / 一般


def approaches(findings: Iterable[ItemFinding], major_units: frozenset[str] = frozenset()) -> list[Approach]:
    """Per 安全类 with problems: how many, their causes and the approach that answers them."""
    out = []
    for code, members in by_category(problems(findings)).items():
        texts: dict[str, int] = {}
        keys: dict[str, None] = {}
        for f in members:
            texts[cause_text(f)] = texts.get(cause_text(f), 0) + 1
            keys[cause(f)] = None
        first = sum(stage(f, major_units) == 0 for f in members)
        ordered = [k for k in CAUSES if k in keys]
        out.append(
            Approach(
                category=code,
                technical=technical(code),
                count=len(members),
                first_stage=first,
                causes=tuple(texts.items()),
                measures=tuple(CAUSES[k][1] for k in ordered),
                priority="优先" if first else "一般",
            )
        )
    return out


def ordered_tasks(tasks: Iterable[Task], unit_order: Mapping[str, int] | None = None) -> list[Task]:
    """By due date (none last), then high risk first, then catalogue order of the unit."""
    order = unit_order or {}
    return sorted(
        tasks,
        key=lambda t: (
            t.due_date is None,
            t.due_date or dt.date.max,
            STAGE_OF_RISK.get(t.risk, 3),
            order.get(t.unit, 1 << 30),
            t.unit,
        ),
    )


def task_flag(task: Task, today: dt.date) -> str:
    """ "" for a task in order; else what the plan must point out (no date, past its date)."""
    if task.due_date is None:
        return "未定完成期限"
    if task.open and task.due_date < today:
        return "已逾期"
    return ""


ALL_CATEGORIES = tuple(c.code for c in CATEGORIES)
