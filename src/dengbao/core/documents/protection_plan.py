"""保护工作方案 of one system of level 3 or above: the plain input, the template's context, the
fields it cannot do without, and the render.

Context keys a replacement template may use: ``draft``, ``title``, ``date``, ``system``
(``name``, ``code``, ``level_text``, ``unit``, ``description``, …) with ``overview_rows``
(``label``, ``value``), ``assessment`` (``name``, ``agency``, ``round_label``, ``finished``,
``result_text``), ``asset_summary`` (``index``, ``kind``, ``count``, ``key``, ``important``,
``normal``) with ``asset_total``, ``assets`` (``index``, ``name``, ``kind``, ``model``,
``location``, ``importance``), ``measures_text``, ``measure_rows`` (``index``, ``category``,
``conform``, ``partial``, ``fail``, ``score``, ``points``), ``problems_text``, ``major_risks``
(``index``, ``title``, ``status``), ``high_risks`` (``index``, ``unit``, ``control_point``,
``description``, ``case``), ``cause_rows`` (``cause``, ``part``, ``count``), ``problem_groups``
(``heading``, ``caption``, ``category``, ``rows``: ``index``, ``unit``, ``item``, ``result``,
``objects``, ``description``, ``risk``, ``risk_fill``, ``cause``), ``approach_rows`` (``index``,
``category``, ``part``, ``count``, ``causes``, ``measures``, ``priority``), ``stage_rows``
(``stage``, ``scope``, ``requirement``, ``count``), ``plan_text``, ``plan_rows`` (``index``,
``task``, ``owner``, ``due``, ``status``) and ``unassigned``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..catalogue.vocab import OBJECT_TYPES
from ..protection_plan import (
    CAUSES,
    CONFORMS,
    FAILS,
    PARTIAL,
    STAGES,
    Asset,
    CategoryScore,
    ItemFinding,
    Task,
    approaches,
    by_category,
    category_name,
    cause,
    cause_text,
    conforming_points,
    ordered_tasks,
    problems,
    stage,
    task_flag,
    technical,
)
from . import builder
from .common import TEMPLATES, cn_date, level_name
from .plan_common import RISK_FILL, clean

TEMPLATE = TEMPLATES / "protection-plan.docx"
TITLE = "网络安全保护工作方案"
FIRST_GROUP_TABLE = 7  # 表1 概况, 表2–3 资产, 表4 措施, 表5 高风险问题, 表6 原因统计


@dataclass(frozen=True)
class SystemInfo:
    name: str
    code: str = ""
    level: int = 3
    sa: str = ""
    grading_state: str = ""  # 已定级 …
    graded_on: dt.date | None = None
    filing_state: str = ""  # 已备案 / 已提交备案 / 未备案
    bureau: str = ""
    certificate_number: str = ""
    filed_on: dt.date | None = None
    description: str = ""
    unit: str = ""  # 责任单位
    department: str = ""
    contact: str = ""
    authority: str = ""  # 行业主管（监管）部门
    go_live: dt.date | None = None


@dataclass(frozen=True)
class AssessmentInfo:
    name: str
    agency: str
    round_label: str
    finished: dt.date | None  # None: the round is not finalised, the plan is a draft
    compliance_rate: float | None = None
    weighted_score: float | None = None
    conclusion: str = ""
    major_risks: tuple[tuple[str, bool], ...] = ()  # (title, fixed)
    major_units: tuple[str, ...] = ()  # the units of the open 重大风险隐患


@dataclass(frozen=True)
class ProtectionPlanInput:
    system: SystemInfo
    assessment: AssessmentInfo
    assets: tuple[Asset, ...]
    findings: tuple[ItemFinding, ...]  # every scored unit, catalogue order
    categories: tuple[CategoryScore, ...]
    tasks: tuple[Task, ...]
    unassigned: int = 0  # problems without a task
    date: dt.date | None = None

    @property
    def draft(self) -> bool:
        return self.assessment.finished is None


def missing_for_protection_plan(data: ProtectionPlanInput) -> list[str]:
    named = {
        "定级对象名称": data.system.name,
        "责任单位": data.system.unit,
        "测评机构名称": data.assessment.agency,
        "等级测评名称": data.assessment.name,
    }
    missing = [label for label, value in named.items() if not clean(value)]
    if not data.findings:
        missing.append("等级测评结果（该系统尚无已录入的测评结果）")
    return missing


def render_protection_plan(data: ProtectionPlanInput, *, template: Path | None = None) -> bytes:
    return builder.render_docx(template or TEMPLATE, protection_plan_context(data))


def protection_plan_context(data: ProtectionPlanInput) -> dict:
    today = data.date or dt.date.today()
    majors = frozenset(data.assessment.major_units)
    found = problems(data.findings)
    groups = _problem_groups(found)
    after = FIRST_GROUP_TABLE + len(groups)  # the tables after the per-category ones
    return {
        "draft": data.draft,
        "title": TITLE,
        "date": cn_date(data.date),
        "system": _system(data.system),
        "overview_rows": _overview(data.system),
        "assessment": _assessment(data),
        **_assets(data.assets),
        "measures_text": _measures_text(data),
        "measure_rows": _measure_rows(data),
        "problems_text": _problems_text(data, found, majors),
        "major_risks": [
            {"index": str(n), "title": clean(title), "status": "已整改" if fixed else "未整改"}
            for n, (title, fixed) in enumerate(data.assessment.major_risks, 1)
        ],
        "high_risks": [
            {
                "index": str(n),
                "unit": f.unit,
                "control_point": clean(f.control_point),
                "description": clean(f.description) or clean(f.requirement),
                "case": clean(f.case) or ("构成重大风险隐患" if f.unit in majors else "高风险"),
            }
            for n, f in enumerate((f for f in found if stage(f, majors) == 0), 1)
        ],
        "cause_rows": _cause_rows(found),
        "problem_groups": groups,
        "tables": {"approach": after, "stage": after + 1, "plan": after + 2},
        "approach_rows": [
            {
                "index": str(n),
                "category": category_name(a.category),
                "part": "技术" if a.technical else "管理",
                "count": str(a.count),
                "causes": "\n".join(f"{text} {count} 项" for text, count in a.causes),
                "measures": "；".join(a.measures) + "。",
                "priority": a.priority,
            }
            for n, a in enumerate(approaches(found, majors), 1)
        ],
        "stage_rows": [
            {
                "stage": name,
                "scope": scope,
                "requirement": requirement,
                "count": str(sum(stage(f, majors) == k for f in found)),
            }
            for k, (name, scope, requirement) in enumerate(STAGES)
        ],
        **_plan(data, today),
    }


def _system(s: SystemInfo) -> dict:
    level = level_name(s.level) if s.level in range(1, 6) else ""
    return {
        "name": clean(s.name),
        "code": clean(s.code),
        "level_text": f"{level}（{s.sa}）" if s.sa else level,
        "unit": clean(s.unit),
        "department": clean(s.department) or "网络安全责任部门",
        "description": clean(s.description),
        "bureau": clean(s.bureau) or "受理备案的公安机关",
    }


def _overview(s: SystemInfo) -> list[dict]:
    filing = s.filing_state or "未备案"
    if s.certificate_number:
        filing = f"{filing}（备案证明编号：{s.certificate_number}）"
    rows = [
        ("定级对象名称", s.name),
        ("系统编号", s.code),
        ("安全保护等级", _system(s)["level_text"]),
        (
            "定级状态",
            f"{s.grading_state}（定级日期：{cn_date(s.graded_on)}）" if s.graded_on else s.grading_state,
        ),
        ("备案情况", filing),
        ("受理备案的公安机关", s.bureau),
        ("备案日期", cn_date(s.filed_on)),
        ("责任单位", s.unit),
        ("责任部门", s.department),
        ("联系人", s.contact),
        ("行业主管部门", s.authority),
        ("投入运行日期", cn_date(s.go_live)),
        ("业务描述", s.description),
    ]
    return [{"label": label, "value": clean(value) or "—"} for label, value in rows]


def _assessment(data: ProtectionPlanInput) -> dict:
    a = data.assessment
    figures = []
    if a.compliance_rate is not None:
        figures.append(f"符合率 {a.compliance_rate:g}%")
    if a.weighted_score is not None:
        figures.append(f"综合得分 {a.weighted_score:g}")
    if a.conclusion:
        figures.append(f"测评结论为“{a.conclusion}”")
    when = f"于{cn_date(a.finished)}定稿" if a.finished else "尚未定稿（本方案为草稿，定稿后应重新生成）"
    return {
        "name": clean(a.name),
        "agency": clean(a.agency),
        "round_label": a.round_label,
        "finished": cn_date(a.finished, blank="未定稿"),
        "result_text": (
            f"本方案依据{clean(a.agency)}开展的{clean(a.name)}（{a.round_label}）编制，该轮测评{when}"
            + (f"，{'，'.join(figures)}。" if figures else "。")
        ),
    }


def _assets(assets: tuple[Asset, ...]) -> dict:
    rank = {kind: n for n, kind in enumerate(OBJECT_TYPES)}
    ordered = sorted(assets, key=lambda a: (rank.get(a.kind, len(rank)), a.kind, a.name))
    kinds: dict[str, Counter[str]] = {}
    for a in ordered:
        kinds.setdefault(a.kind, Counter())[a.importance or "一般"] += 1
    summary = [
        {
            "index": str(n),
            "kind": kind,
            "count": str(sum(c.values())),
            "key": str(c["关键"]),
            "important": str(c["重要"]),
            "normal": str(c["一般"]),
        }
        for n, (kind, c) in enumerate(kinds.items(), 1)
    ]
    total: Counter[str] = Counter()
    for c in kinds.values():
        total.update(c)
    return {
        "asset_summary": summary,
        "asset_total": {
            "count": str(len(assets)),
            "key": str(total["关键"]),
            "important": str(total["重要"]),
            "normal": str(total["一般"]),
        },
        "assets": [
            {
                "index": str(n),
                "name": clean(a.name),
                "kind": clean(a.kind),
                "model": clean(a.model_version) or "—",
                "location": clean(a.location) or "—",
                "importance": a.importance or "一般",
            }
            for n, a in enumerate(ordered, 1)
        ],
    }


def _measure_rows(data: ProtectionPlanInput) -> list[dict]:
    scores = {c.category: c for c in data.categories}
    rows = []
    for n, (code, members) in enumerate(by_category(data.findings).items(), 1):
        full, part = conforming_points(members)
        lines = ["、".join(full)] if full else []
        if part:
            lines.append(f"部分落实：{'、'.join(part)}")
        points = "\n".join(lines) or "—"
        score = scores.get(code)
        rows.append(
            {
                "index": str(n),
                "category": category_name(code),
                "conform": str(sum(f.result == CONFORMS for f in members)),
                "partial": str(sum(f.result == PARTIAL for f in members)),
                "fail": str(sum(f.result == FAILS for f in members)),
                "score": f"{score.score:g}" if score and score.score is not None else "—",
                "points": points,
            }
        )
    return rows


def _measures_text(data: ProtectionPlanInput) -> str:
    total = len(data.findings)
    conform = sum(f.result == CONFORMS for f in data.findings)
    tech = sum(f.result == CONFORMS and technical(f.category) for f in data.findings)
    return (
        f"{clean(data.system.name)}适用的 {total} 个测评项中，{conform} 项的测评结果为“符合”"
        f"（安全技术 {tech} 项、安全管理 {conform - tech} 项），即已采取的安全保护措施满足要求。"
        "各安全类的测评结果、得分和已落实措施的控制点见表4。"
    )


def _problems_text(data: ProtectionPlanInput, found: list[ItemFinding], majors: frozenset[str]) -> str:
    name = clean(data.system.name)
    if not found:
        return f"{name}的全部测评项均为“符合”，未发现安全问题。"
    partial = sum(f.result == PARTIAL for f in found)
    high = sum(f.risk == "高" for f in found)
    open_majors = sum(not fixed for _, fixed in data.assessment.major_risks)
    return (
        f"{name}存在安全问题 {len(found)} 项（测评结果为“部分符合”的 {partial} 项、“不符合”的 "
        f"{len(found) - partial} 项），其中高风险问题 {high} 项，重大风险隐患 "
        f"{len(data.assessment.major_risks)} 项（未整改 {open_majors} 项）。"
        "每项问题的原因按其所属安全类（技术或管理）和各测评对象的结果分析，见表7起各表。"
    )


def _cause_rows(found: list[ItemFinding]) -> list[dict]:
    counts: Counter[str] = Counter()
    part_of: dict[str, str] = {}
    for f in found:
        text = cause_text(f)
        counts[text] += 1
        part_of[text] = "技术" if technical(f.category) else "管理"
    order = [CAUSES[k][0] for k in CAUSES]
    return [
        {"cause": text, "part": part_of[text], "count": str(counts[text])}
        for text in sorted(
            counts, key=lambda t: (part_of[t] != "技术", order.index(t) if t in order else 99, t)
        )
    ]


def _problem_groups(found: list[ItemFinding]) -> list[dict]:
    groups = []
    for n, (code, members) in enumerate(by_category(found).items(), 1):
        name = category_name(code)
        groups.append(
            {
                "heading": f"{n}．{name}",
                "caption": f"表{FIRST_GROUP_TABLE + n - 1}　{name}存在的问题及原因",
                "category": name,
                "rows": [
                    {
                        "index": str(k),
                        "unit": f.unit,
                        "item": f"{clean(f.control_point)}：{clean(f.requirement)}",
                        "result": f.result,
                        "objects": "、".join(clean(o) for o in f.objects) or "—",
                        "description": clean(f.description) or "—",
                        "risk": f.risk or "—",
                        "risk_fill": RISK_FILL.get(f.risk, ""),
                        "cause": cause_text(f),
                        "cause_key": cause(f),
                    }
                    for k, f in enumerate(members, 1)
                ],
            }
        )
    return groups


def _plan(data: ProtectionPlanInput, today: dt.date) -> dict:
    tasks = ordered_tasks(data.tasks)
    rows = []
    for n, t in enumerate(tasks, 1):
        flag = task_flag(t, today)
        task = f"{t.unit} {clean(t.title)}"
        if clean(t.measure):
            task += f"\n措施：{clean(t.measure)}"
        rows.append(
            {
                "index": str(n),
                "task": task,
                "owner": clean(t.owner) or "待定",
                "due": cn_date(t.due_date, blank="未定（请补充）"),
                "status": f"{t.status}（{flag}）" if flag and t.due_date else t.status,
                "flagged": bool(flag),
            }
        )
    dated = [t.due_date for t in tasks if t.due_date]
    done = sum(t.done for t in tasks)
    if tasks:
        text = f"整改任务共 {len(tasks)} 项，已完成 {done} 项"
        if dated:
            text += f"，完成期限自{cn_date(min(dated))}至{cn_date(max(dated))}"
        undated = len(tasks) - len(dated)
        overdue = sum(task_flag(t, today) == "已逾期" for t in tasks)
        if undated:
            text += f"；{undated} 项尚未确定完成期限，应尽快补充"
        if overdue:
            text += f"；{overdue} 项已超过完成期限"
        text += "。任务按完成期限排列，同一期限内高风险问题在前。"
    else:
        text = "尚未分配整改任务。"
    return {"plan_text": text, "plan_rows": rows, "unassigned": data.unassigned}


def sample_input() -> ProtectionPlanInput:
    """A small fictional plan (演示数据) for checking a replacement template."""
    day = dt.date(2025, 6, 1)
    return ProtectionPlanInput(
        system=SystemInfo(
            name="医院信息系统（演示）", code="HIS", level=3, sa="S3A3", grading_state="已定级",
            graded_on=dt.date(2025, 3, 1), filing_state="已备案", bureau="江城市公安局网安支队",
            certificate_number="44010099999-00001", filed_on=dt.date(2025, 3, 20),
            description="门急诊挂号、收费、住院管理", unit="江城市第一医院（演示）", department="信息科",
            contact="刘科长", authority="江城市卫生健康委员会", go_live=dt.date(2015, 1, 1),
        ),
        assessment=AssessmentInfo(
            name="HIS 等级测评（演示）", agency="演示测评机构", round_label="初测", finished=day,
            compliance_rate=82.5, conclusion="基本符合", major_risks=(("核心业务身份鉴别薄弱", False),),
            major_units=("L3-CES1-01",),
        ),
        assets=(
            Asset("服务器/操作系统", "HIS应用服务器", "CentOS 7", "10.0.0.10", "关键"),
            Asset("数据库管理系统", "HIS-DB", "Oracle 19c", "10.0.0.20", "关键"),
            Asset("管理文档", "信息安全管理制度"),
        ),
        findings=(
            ItemFinding("L3-CES1-01", "CES", "身份鉴别", "登录用户身份标识唯一、口令复杂并定期更换", FAILS,
                        {FAILS: 2}, ("HIS应用服务器", "HIS-DB"), "口令未设置复杂度要求", "高"),
            ItemFinding("L3-CES1-02", "CES", "身份鉴别", "登录失败处理和超时退出", CONFORMS, {CONFORMS: 2}),
            ItemFinding("L3-PSS1-01", "PSS", "安全策略", "制定网络安全工作的总体方针和安全策略", PARTIAL,
                        {PARTIAL: 1}, ("信息安全管理制度",), "总体策略未覆盖数据安全", "中"),
        ),
        categories=(
            CategoryScore("CES", 50.0, {CONFORMS: 2, FAILS: 2}), CategoryScore("PSS", 50.0, {PARTIAL: 1}),
        ),
        tasks=(
            Task("L3-CES1-01", "口令复杂度", "启用口令复杂度策略", "刘科长", dt.date(2025, 6, 30), "整改中",
                 "高"),
            Task("L3-PSS1-01", "总体安全策略", "修订总体安全策略", "刘科长", None, "待整改", "中"),
        ),
        unassigned=0,
        date=day,
    )  # fmt: skip
