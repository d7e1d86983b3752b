"""复测对比报告: two rounds of one assessment side by side — the headline figure and conclusion,
each 安全类, every result that changed, and which problems were fixed, remain or are new.

The figures are ``scoring.Score``'s (``RoundFigures.from_score``), never recomputed here, so
the report agrees with the 测评报告 of each round.

Context keys a replacement template may use: ``subject`` (see ``plan_common``), ``before``
and ``after`` (``label``, ``figure``, ``conclusion``, ``major_risks``), ``figure_name``
(符合率 or 综合得分), ``comparison`` (``name``, ``before``, ``after``), ``conclusion`` (a
list of paragraphs), ``category_rows`` (``index``, ``name``, ``before``, ``after``,
``change``), ``category_chart`` (the picture, or None), ``change_summary``, ``changes``
(``index``, ``obj``, ``unit``, ``requirement``, ``before``, ``after``, ``trend``),
``problem_summary``, and ``fixed_rows``, ``open_rows``, ``new_rows`` (problem rows as in the
gap list).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import GapRow
from ..scoring import Score
from . import builder, charts
from .common import TEMPLATES
from .plan_common import RISKS, Subject, clean, gap_row_context, missing_subject, scope, subject_context

TEMPLATE = TEMPLATES / "retest-report.docx"

RESULTS = ("符合", "部分符合", "不符合", "不适用")
_RANK = {"不符合": 0, "部分符合": 1, "符合": 2}
FIXED_STATUS = "已整改"


@dataclass(frozen=True)
class CategoryFigure:
    name: str  # 安全类
    rate: float | None  # percent; None when nothing in it applies


@dataclass(frozen=True)
class RoundFigures:
    """One round's headline figures, as the scoring engine gave them."""

    label: str  # 初测 / 第1次复测
    scheme: str  # the scheme's base: "2025" (符合率) or "2021" (综合得分)
    compliance_rate: float
    weighted_score: float | None
    conclusion: str
    major_risks: int  # 重大风险隐患 not yet fixed
    risk_counts: Mapping[str, int] = field(default_factory=dict)  # open problems by 高/中/低
    counts: Mapping[str, int] = field(default_factory=dict)  # results: 符合 … 不适用
    categories: tuple[CategoryFigure, ...] = ()
    major_risks_found: int | None = None  # before remediation (None: only the open count is known)

    @classmethod
    def from_score(cls, label: str, score: Score, *, major_risks_found: int | None = None) -> RoundFigures:
        return cls(
            major_risks_found=major_risks_found,
            label=label,
            scheme=score.scheme.base,
            compliance_rate=score.compliance_rate,
            weighted_score=score.weighted_score,
            conclusion=score.conclusion,
            major_risks=score.major_risks,
            risk_counts=dict(score.risk_counts),
            counts=dict(score.counts),
            categories=tuple(CategoryFigure(g.name, g.score) for g in score.categories),
        )

    @property
    def figure(self) -> float | None:
        return self.weighted_score if self.scheme == "2021" else self.compliance_rate

    @property
    def major_risk_phrase(self) -> str:
        """The same in a sentence: "1 个（其中 1 个已整改）"."""
        found = self.major_risks if self.major_risks_found is None else self.major_risks_found
        fixed = found - self.major_risks
        return f"{found} 个（其中 {fixed} 个已整改）" if fixed else f"{found} 个"

    @property
    def major_risk_text(self) -> str:
        """重大风险隐患数量 as the 2025 template counts it: before remediation, "N（M个已整改）"."""
        if self.major_risks_found is None:
            return str(self.major_risks)
        fixed = self.major_risks_found - self.major_risks
        return f"{self.major_risks_found}（{fixed}个已整改）" if fixed else str(self.major_risks_found)


@dataclass(frozen=True)
class ChangedItem:
    """A cell whose result differs between the rounds ("" = not recorded)."""

    obj: str
    unit: str
    requirement: str  # control point, letter and requirement, as the catalogue words it
    before: str
    after: str


@dataclass(frozen=True)
class RoundProblem:
    unit: str
    row: GapRow


@dataclass(frozen=True)
class RetestData:
    subject: Subject
    before: RoundFigures
    after: RoundFigures
    changes: tuple[ChangedItem, ...]
    before_problems: tuple[RoundProblem, ...]
    after_problems: tuple[RoundProblem, ...]


@dataclass(frozen=True)
class ProblemOutcome:
    fixed: tuple[GapRow, ...]  # the earlier round's problems gone or 已整改 in the later one
    still_open: tuple[GapRow, ...]  # present in both rounds and not fixed
    new: tuple[GapRow, ...]  # only in the later round


def problem_outcome(data: RetestData) -> ProblemOutcome:
    after = {p.unit: p.row for p in data.after_problems}
    before = {p.unit for p in data.before_problems}
    fixed = tuple(
        p.row for p in data.before_problems if p.unit not in after or after[p.unit].status == FIXED_STATUS
    )
    still = tuple(p.row for p in data.after_problems if p.unit in before and p.row.status != FIXED_STATUS)
    new = tuple(p.row for p in data.after_problems if p.unit not in before and p.row.status != FIXED_STATUS)
    return ProblemOutcome(fixed, still, new)


def trend(before: str, after: str) -> str:
    """改善 / 下降 between ranked results; 变化 when 不适用 or an unrecorded cell is involved."""
    if before in _RANK and after in _RANK:
        return "改善" if _RANK[after] > _RANK[before] else "下降"
    return "变化"


def retest_report_context(data: RetestData, chart_dir: Path | None = None) -> dict:
    """Everything the report prints; with ``chart_dir`` the per-category chart is drawn there."""
    before, after = data.before, data.after
    figure_name = "综合得分" if after.scheme == "2021" else "符合率"
    outcome = problem_outcome(data)
    trends = [trend(c.before, c.after) for c in data.changes]
    categories = _category_pairs(before, after)
    return {
        "subject": subject_context(data.subject),
        "figure_name": figure_name,
        "before": _round_context(before),
        "after": _round_context(after),
        "comparison": _comparison(before, after, figure_name),
        "conclusion": _conclusion(data, figure_name, trends, outcome),
        "category_rows": [
            {
                "index": str(n),
                "name": name,
                "before": _rate(b),
                "after": _rate(a),
                "change": _delta(b, a, "个百分点"),
            }
            for n, (name, b, a) in enumerate(categories, 1)
        ],
        "category_chart": _chart(chart_dir, before, after, categories),
        "change_summary": _change_summary(data, trends),
        "changes": [
            {
                "index": str(n),
                "obj": clean(c.obj),
                "unit": c.unit,
                "requirement": clean(c.requirement),
                "before": c.before or "未记录",
                "after": c.after or "未记录",
                "trend": t,
            }
            for n, (c, t) in enumerate(zip(data.changes, trends, strict=True), 1)
        ],
        "problem_summary": _problem_summary(data, outcome),
        "fixed_rows": [
            {**gap_row_context(n, r), "status": FIXED_STATUS} for n, r in enumerate(outcome.fixed, 1)
        ],
        "open_rows": [gap_row_context(n, r) for n, r in enumerate(outcome.still_open, 1)],
        "new_rows": [gap_row_context(n, r) for n, r in enumerate(outcome.new, 1)],
    }


def missing_for_retest_report(data: RetestData) -> list[str]:
    missing = missing_subject(data.subject)
    if not data.before.counts or not sum(data.before.counts.values()):
        missing.append(f"{data.before.label}的测评结果")
    if not data.after.counts or not sum(data.after.counts.values()):
        missing.append(f"{data.after.label}的测评结果")
    return missing


def render_retest_report(data: RetestData, *, template: Path | None = None, charts_on: bool = True) -> bytes:
    """The report as .docx bytes; the per-category chart is drawn in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="dengbao-charts-") as tmp:
        context = retest_report_context(data, Path(tmp) if charts_on else None)
        return builder.render_docx(template or TEMPLATE, context)


# --- internals -------------------------------------------------------------------------


def _figure(figures: RoundFigures) -> str:
    value = figures.figure
    if value is None:
        return "—"
    return f"{value:g}分" if figures.scheme == "2021" else f"{value:g}%"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def _delta(before: float | None, after: float | None, unit: str) -> str:
    if before is None or after is None:
        return "—"
    change = round(after - before, 2)
    return "持平" if change == 0 else f"{change:+g}{unit}"


def _movement(before: float | None, after: float | None, unit: str) -> str:
    """ "提高 12.75 个百分点" / "降低 …" / "持平", for the conclusion's sentence."""
    if before is None or after is None:
        return "无法比较"
    change = round(after - before, 2)
    if change == 0:
        return "持平"
    return f"{'提高' if change > 0 else '降低'} {abs(change):g} {unit}"


def _round_context(figures: RoundFigures) -> dict:
    return {
        "label": figures.label,
        "figure": _figure(figures),
        "conclusion": figures.conclusion,
        "major_risks": figures.major_risk_text,
    }


def _comparison(before: RoundFigures, after: RoundFigures, figure_name: str) -> list[dict]:
    rows = [
        (figure_name, _figure(before), _figure(after)),
        ("测评结论", before.conclusion, after.conclusion),
        ("重大风险隐患数量", before.major_risk_text, after.major_risk_text),
        ("其中未整改", before.major_risks, after.major_risks),
        *((f"{r}风险问题", before.risk_counts.get(r, 0), after.risk_counts.get(r, 0)) for r in RISKS),
        *((f"“{r}”结果数", before.counts.get(r, 0), after.counts.get(r, 0)) for r in RESULTS),
    ]
    return [{"name": name, "before": str(b), "after": str(a)} for name, b, a in rows]


def _category_pairs(
    before: RoundFigures, after: RoundFigures
) -> list[tuple[str, float | None, float | None]]:
    """(安全类, rate before, rate after), in the later round's order, then any only in the earlier."""
    old = {c.name: c.rate for c in before.categories}
    new = {c.name: c.rate for c in after.categories}
    names = [*new, *(n for n in old if n not in new)]
    return [(n, old.get(n), new.get(n)) for n in names]


def _chart(
    chart_dir: Path | None,
    before: RoundFigures,
    after: RoundFigures,
    categories: list[tuple[str, float | None, float | None]],
) -> builder.Picture | None:
    if chart_dir is None or not categories:
        return None
    return builder.Picture(
        charts.grouped_bars(
            [name for name, _, _ in categories],
            {before.label: [b for _, b, _ in categories], after.label: [a for _, _, a in categories]},
            chart_dir / "retest-categories.png",
            title="各安全类符合率对比",
        )
    )


def _conclusion(data: RetestData, figure_name: str, trends: list[str], outcome: ProblemOutcome) -> list[str]:
    before, after = data.before, data.after
    moved = _movement(before.figure, after.figure, "分" if after.scheme == "2021" else "个百分点")
    first = (
        f"{scope(data.subject)}：{before.label}{figure_name}为 {_figure(before)}，"
        f"测评结论为“{before.conclusion}”；{after.label}{figure_name}为 {_figure(after)}，"
        f"测评结论为“{after.conclusion}”，{figure_name}{moved}。"
    )
    risks = (
        f"重大风险隐患{before.label} {before.major_risk_phrase}，"
        f"{after.label} {after.major_risk_phrase}，"
        f"未整改的由 {before.major_risks} 项变为 {after.major_risks} 项；"
        f"{before.label}的 {len(data.before_problems)} 个安全问题中已整改 {len(outcome.fixed)} 个，"
        f"仍存在 {len(outcome.still_open)} 个，{after.label}新发现 {len(outcome.new)} 个。"
    )
    return [first, _change_summary(data, trends), risks]


def _change_summary(data: RetestData, trends: list[str]) -> str:
    if not data.changes:
        return f"{data.before.label}与{data.after.label}之间没有测评结果发生变化。"
    up, down = trends.count("改善"), trends.count("下降")
    other = len(trends) - up - down
    return (
        f"{data.before.label}与{data.after.label}之间共有 {len(trends)} 个测评结果发生变化，"
        f"其中改善 {up} 个、下降 {down} 个"
        + (f"、其他变化 {other} 个（涉及不适用或未记录）。" if other else "。")
    )


def _problem_summary(data: RetestData, outcome: ProblemOutcome) -> str:
    return (
        f"{data.before.label}共有安全问题 {len(data.before_problems)} 个，"
        f"复测核实已整改 {len(outcome.fixed)} 个，仍存在 {len(outcome.still_open)} 个；"
        f"{data.after.label}新发现问题 {len(outcome.new)} 个。仍存在和新发现的问题应继续按安全整改方案整改。"
    )
