"""Scoring and conclusion: item, control point, category (层面), object and overall.

Plain data in, a frozen ``Score`` out. GB/T 28448-2019 ch.11 fixes the control-point
rule and allows 整体测评 adjustments; the report template fixes the rate and the
conclusion, and its formula is only partly public, so every choice is a parameter of a
``Scheme`` that the report shows (docs/adr/0005-scoring-schemes.md). Arithmetic is exact
(``Fraction``): input order never changes a figure and the 60/90 boundaries are exact.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
from fractions import Fraction
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Any

from .catalogue.model import Catalogue
from .catalogue.vocab import CATEGORY_BY_CODE, CATEGORY_ORDER
from .scoring_schemes import (
    SCHEMES,
    Scheme,
    Scheme2021,
    Scheme2025,
    ScoringError,
    _op,
    get_scheme,
    scheme_from_dict,
    scheme_parameters,
)


class Result(StrEnum):
    CONFORMS = "符合"
    PARTIAL = "部分符合"
    FAILS = "不符合"
    NOT_APPLICABLE = "不适用"


class AdjustmentKind(StrEnum):
    """The 整体测评 analyses that may change an item's result (GB/T 28448 11.3, 11.4)."""

    BETWEEN_CONTROL_POINTS = "安全控制点间"
    BETWEEN_AREAS = "区域间"
    BETWEEN_LAYERS = "层面间"


RESULTS: tuple[Result, ...] = tuple(Result)
_CODE = {r.value: i for i, r in enumerate(RESULTS)}  # a Result hashes as its value
_NA = 3
_ALLOWED = "符合、部分符合、不符合 或 不适用"


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One cell of the checklist: a test unit (测评单元) on one assessment object."""

    unit: str  # "L3-CES1-01"
    obj: str  # assessment object, e.g. "HIS-DB"
    result: Result


@dataclass(frozen=True)
class Adjustment:
    """A 整体测评 change of a result, for one object or (obj=None) every object of the unit.

    A reason is required because the report must show why a result was raised or lowered.
    """

    unit: str
    obj: str | None
    to: Result
    kind: AdjustmentKind
    reason: str

    def __post_init__(self) -> None:
        where = f"调整（{self.unit} / {self.obj or '全部对象'}）"
        try:
            object.__setattr__(self, "to", Result(self.to))
        except ValueError:
            raise ScoringError(f"{where}：调整后的结果“{self.to}”应为 符合、部分符合 或 不符合") from None
        if self.to is Result.NOT_APPLICABLE:
            raise ScoringError(f"{where}：整体测评调整不能把结果改为不适用")
        try:
            object.__setattr__(self, "kind", AdjustmentKind(self.kind))
        except ValueError:
            raise ScoringError(f"{where}：调整类型“{self.kind}”应为 安全控制点间、区域间 或 层面间") from None
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ScoringError(f"{where}：必须写明调整理由（补偿措施）")


# --- The score ------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemScore:
    unit: str
    category: str
    control_point: str
    score: float  # 0–1, the item's 符合程度 over its applicable objects
    result: Result  # the item over all its objects, by the control-point rule
    counts: Mapping[str, int]
    weight: float | None = None  # 2021 only


@dataclass(frozen=True)
class ControlPointResult:
    category: str
    control_point: str  # the unit ID when the catalogue does not know the unit
    result: Result
    by_object: Mapping[str, Result]
    units: tuple[str, ...]


@dataclass(frozen=True)
class GroupScore:
    """A category (层面) or an assessment object: its rate in percent (None: nothing applicable)."""

    key: str
    name: str
    score: float | None
    items: int
    counts: Mapping[str, int]


@dataclass(frozen=True)
class AppliedAdjustment:
    unit: str
    obj: str
    kind: AdjustmentKind
    reason: str
    before: Result
    after: Result
    direction: str  # 上调 / 下调


@dataclass(frozen=True)
class Score:
    scheme: Scheme
    compliance_rate: float  # percent, scheme.precision decimals
    weighted_score: float | None  # 2021 综合得分
    conclusion: str
    conclusion_reason: str
    items_scored: int
    items_not_applicable: tuple[str, ...]
    results_total: int
    counts: Mapping[str, int]
    items: tuple[ItemScore, ...]
    control_points: tuple[ControlPointResult, ...]
    categories: tuple[GroupScore, ...]
    objects: tuple[GroupScore, ...]
    adjustments: tuple[AppliedAdjustment, ...]
    major_risks: int
    risk_counts: Mapping[str, int]
    level: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types: every figure of the report and the numbers behind every chart."""
        out = _plain(self)
        out["scheme"] = self.scheme.name
        return {
            **out,
            "scheme_title": self.scheme.title,
            "scheme_parameters": scheme_parameters(self.scheme),
            "assumptions": list(self.scheme.assumptions()),
            "charts": {
                "results": [{"label": k, "value": v} for k, v in self.counts.items()],
                "item_results": _tally(i.result for i in self.items),
                "control_point_results": _tally(c.result for c in self.control_points),
                "categories": [{"label": g.name, "value": g.score} for g in self.categories],
                "objects": [{"label": g.name, "value": g.score} for g in self.objects],
            },
        }


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {_KEYS.get(f.name, f.name): _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


_KEYS = {"obj": "object"}  # the JSON speaks as the input does


def _tally(values: Iterable[Result]) -> list[dict[str, Any]]:
    counted = list(values)
    return [{"label": r.value, "value": counted.count(r)} for r in RESULTS]


def score(
    results: Iterable[ItemResult],
    *,
    scheme: Scheme | str | Mapping[str, Any],
    catalogue: Catalogue | None = None,
    adjustments: Iterable[Adjustment] = (),
    major_risks: int = 0,
    risk_counts: Mapping[str, int] | None = None,
    level: int | None = None,
) -> Score:
    """Aggregate per item over its applicable objects, then over items (GB/T 28448 ch.11, ch.12).

    Rows are read with C-level ``map``/``zip``/``Counter``, not a Python loop per result:
    the loop in Python is found only on the error path, to name the offending row.
    """
    results = results if isinstance(results, list | tuple) else list(results)
    try:
        keys = list(map(_KEY, results))
        codes = list(map(_CODE.__getitem__, map(_RESULT, results)))
        rows = dict(zip(keys, codes, strict=True))
    except (AttributeError, KeyError, TypeError):
        n, bad = next(((n, r) for n, r in enumerate(results, 1) if not _row_ok(r)), (0, None))
        raise ScoringError(_bad_row(f"第 {n} 条结果", bad)) from None
    if len(rows) != len(keys):
        first: dict[tuple[str, str], int] = {}
        for n, key in enumerate(keys, 1):
            if key in first:
                raise ScoringError(f"第 {n} 条结果与第 {first[key]} 条重复：{key[0]} / {key[1]}")
            first[key] = n
    return _score(rows, get_scheme(scheme), catalogue, adjustments, major_risks, risk_counts, level)


_KEY = attrgetter("unit", "obj")
_RESULT = attrgetter("result")


def _row_ok(row: Any) -> bool:
    try:
        hash(_KEY(row))
        return _RESULT(row) in _CODE
    except (AttributeError, TypeError):
        return False


def _bad_row(where: str, row: Any) -> str:
    result = getattr(row, "result", None)
    if result is not None and not isinstance(result, Result):
        unit, obj = getattr(row, "unit", "?"), getattr(row, "obj", "?")
        return f"{where} {unit} / {obj}：未知的结果“{result}”，应为 {_ALLOWED}"
    return f"{where}：应为 ItemResult(unit, obj, result)，而不是 {row!r}"


def _check_names(rows: Mapping[tuple[str, str], int], names: Iterable[Any], position: int) -> None:
    """Checked once per distinct unit and object, not per row; the error names the first row."""
    for name in names:
        if not (isinstance(name, str) and name.strip()):
            n = next(i for i, key in enumerate(rows, 1) if key[position] == name)
            raise ScoringError(f"第 {n} 条结果（{name!r}）：测评单元和测评对象应为非空文本")


_UNIT_RE = re.compile(r"^L[1-5]-([A-Z]{3})[1-5]-\d+$")


def _describe(unit: str, catalogue: Catalogue | None, order: Mapping[str, int]) -> tuple[str, str, tuple]:
    """(category, control point, sort key): from the catalogue, else from the unit ID's category code."""
    item = catalogue.by_id.get(unit) if catalogue is not None else None
    if item is not None:
        return item.category, item.control_point, (CATEGORY_ORDER.get(item.category, 99), order[unit], unit)
    m = _UNIT_RE.match(unit)
    category = m.group(1) if m else ""
    return category, unit, (CATEGORY_ORDER.get(category, 99), 1 << 30, unit)


def _result_of(mask: int) -> Result:
    """GB/T 28449-2018 8.2.2 b) over a set of results (bit i = RESULTS[i] seen), 不适用 excluded: all 符合 →
    符合; nothing even partly met (all 不符合) → 不符合; else 部分符合. So a control point of one
    item has that item's result, which "none 符合 → 不符合" read literally would break."""
    applicable = mask & 0b111
    if not applicable:
        return Result.NOT_APPLICABLE
    if applicable == 0b001:
        return Result.CONFORMS
    return Result.FAILS if applicable == 0b100 else Result.PARTIAL


_BY_MASK = tuple(_result_of(m) for m in range(16))


def _round(value: Fraction, places: int) -> Fraction:
    """Round half up, exactly, so the report's figure never depends on float noise."""
    scale = 10**places
    return Fraction(int(value * scale + Fraction(1, 2)), scale)  # value ≥ 0


def _pct(value: Fraction, places: int) -> float:
    return float(_round(value * 100, places))


@dataclass(slots=True)
class _Tally:
    """How many results of each kind an item (unit) or an object has, in ``RESULTS`` order."""

    conforms: int = 0
    partial: int = 0
    fails: int = 0
    not_applicable: int = 0

    @property
    def applicable(self) -> int:
        return self.conforms + self.partial + self.fails

    @property
    def mask(self) -> int:
        """The applicable results seen, as a bit set (bit i = RESULTS[i]); the key of ``_BY_MASK``."""
        return (self.conforms and 1) | (self.partial and 2) | (self.fails and 4)

    def share(self, partial_weight: Fraction) -> Fraction:
        """符合 counts 1, 部分符合 ``partial_weight``, 不符合 0, over the applicable results."""
        return (self.conforms + partial_weight * self.partial) / self.applicable

    def counts(self) -> dict[str, int]:
        values = (self.conforms, self.partial, self.fails, self.not_applicable)
        return {r.value: values[i] for i, r in enumerate(RESULTS)}

    @classmethod
    def total(cls, tallies: Iterable[_Tally]) -> _Tally:
        out = cls()
        for t in tallies:
            out.conforms += t.conforms
            out.partial += t.partial
            out.fails += t.fails
            out.not_applicable += t.not_applicable
        return out


def _tallies(pairs: Counter[tuple[str, int]]) -> dict[str, _Tally]:
    """Name → its tally, from (name, result code) → how many."""
    out: dict[str, list[int]] = {}
    for (name, code), n in pairs.items():
        counts = out.get(name)
        if counts is None:
            counts = out[name] = [0, 0, 0, 0]
        counts[code] = n
    return {name: _Tally(*counts) for name, counts in out.items()}


# (category, control point, sort key) of a unit; control point key: (category, control point)
_Described = tuple[str, str, tuple]
_ControlPoint = tuple[str, str]
_Part = tuple[Fraction, int]  # an item's (numerator, denominator) share of the rate


def _score(
    rows: dict[tuple[str, str], int],
    scheme: Scheme,
    catalogue: Catalogue | None,
    adjustments: Iterable[Adjustment],
    major_risks: int,
    risk_counts: Mapping[str, int] | None,
    level: int | None,
) -> Score:
    if isinstance(major_risks, bool) or not isinstance(major_risks, int) or major_risks < 0:
        raise ScoringError(f"重大风险隐患数量应为非负整数，而不是 {major_risks!r}")
    risks = _risk_counts(risk_counts)
    applied = _apply(rows, adjustments)

    codes = list(rows.values())
    unit_col = list(map(itemgetter(0), rows))
    obj_col = list(map(itemgetter(1), rows))
    unit_tallies = _tallies(Counter(zip(unit_col, codes, strict=True)))
    obj_tallies = _tallies(Counter(zip(obj_col, codes, strict=True)))
    _check_names(rows, unit_tallies, 0)
    _check_names(rows, obj_tallies, 1)

    order = {item.id: i for i, item in enumerate(catalogue.items)} if catalogue is not None else {}
    described = {unit: _describe(unit, catalogue, order) for unit in unit_tallies}
    cp_of = {unit: (d[0], d[1]) for unit, d in described.items()}
    per_cp = _object_masks(cp_of, unit_col, obj_col, codes)

    w = Fraction(str(scheme.partial_weight))
    units = sorted(unit_tallies, key=lambda u: described[u][2])
    items, parts, dropped = _item_scores(scheme, w, units, unit_tallies, described)
    if not items:
        raise ScoringError("没有适用的测评结果：全部为不适用，无法计算符合率")

    places = scheme.precision
    compliance = _round(_rate(parts, parts) * 100, places)
    weighted = None
    if isinstance(scheme, Scheme2021):
        weighted = _round(_weighted(scheme, parts, items) * 100, places)
        conclusion, reason = _conclude_2021(scheme, weighted, risks)
    else:
        conclusion, reason = _conclude_2025(scheme, compliance, major_risks)

    return Score(
        scheme=scheme,
        compliance_rate=float(compliance),
        weighted_score=None if weighted is None else float(weighted),
        conclusion=conclusion,
        conclusion_reason=reason,
        items_scored=len(items),
        items_not_applicable=tuple(dropped),
        results_total=len(rows),
        counts=MappingProxyType(_Tally.total(unit_tallies.values()).counts()),
        items=tuple(items),
        control_points=_control_points(units, cp_of, per_cp),
        categories=_category_scores(units, described, unit_tallies, parts, places, scheme.category_from),
        objects=_object_scores(obj_tallies, w, places),
        adjustments=applied,
        major_risks=major_risks,
        risk_counts=MappingProxyType(risks),
        level=level,
    )


def _object_masks(
    cp_of: Mapping[str, _ControlPoint], unit_col: list[str], obj_col: list[str], codes: list[int]
) -> dict[_ControlPoint, dict[str, int]]:
    """Control point → object → bit set of the results seen (bit i = RESULTS[i])."""
    per_cp: dict[_ControlPoint, dict[str, int]] = {cp: {} for cp in cp_of.values()}
    for cp, obj, code in set(zip(map(cp_of.__getitem__, unit_col), obj_col, codes, strict=True)):
        masks = per_cp[cp]
        masks[obj] = masks.get(obj, 0) | (1 << code)
    return per_cp


def _item_scores(
    scheme: Scheme,
    w: Fraction,
    units: list[str],
    tallies: Mapping[str, _Tally],
    described: Mapping[str, _Described],
) -> tuple[list[ItemScore], dict[str, _Part], list[str]]:
    """Each item's score and its share of the rate, in report order; the items with nothing applicable."""
    items: list[ItemScore] = []
    parts: dict[str, _Part] = {}
    dropped = []
    for unit in units:
        tally = tallies[unit]
        category, control_point, _ = described[unit]
        if tally.applicable == 0:
            dropped.append(unit)
            continue
        num: Fraction | int
        if scheme.aggregation == "result_mean":
            num, den = tally.conforms + w * tally.partial, tally.applicable
        elif scheme.aggregation == "item_worst":
            num, den = (Fraction(0) if tally.fails else w if tally.partial else Fraction(1)), 1
        else:
            num, den = tally.share(w), 1
        parts[unit] = (Fraction(num), den)
        weight = scheme.weight(unit, category, control_point) if isinstance(scheme, Scheme2021) else None
        item_score = float(_round(Fraction(num) / den, 4))
        result = _BY_MASK[tally.mask]
        items.append(ItemScore(unit, category, control_point, item_score, result, tally.counts(), weight))
    return items, parts, dropped


def _rate(parts: Mapping[str, _Part], selected: Iterable[str]) -> Fraction:
    num = den = Fraction(0)
    for u in selected:
        a, b = parts[u]
        num, den = num + a, den + b
    return num / den


def _category_scores(
    units: list[str],
    described: Mapping[str, _Described],
    tallies: Mapping[str, _Tally],
    parts: Mapping[str, _Part],
    places: int,
    category_from: str = "items",
) -> tuple[GroupScore, ...]:
    by_category: dict[str, list[str]] = {}
    for unit in units:
        by_category.setdefault(described[unit][0], []).append(unit)
    categories = []
    for code in sorted(by_category, key=lambda c: (CATEGORY_ORDER.get(c, 99), c)):
        totals = _Tally.total(tallies[u] for u in by_category[code])
        selected = [u for u in by_category[code] if u in parts]
        value = _pct(_category_rate(selected, described, parts, category_from), places) if selected else None
        name = CATEGORY_BY_CODE[code].name if code in CATEGORY_BY_CODE else (code or "其他")
        categories.append(GroupScore(code, name, value, len(selected), totals.counts()))
    return tuple(categories)


def _category_rate(
    selected: list[str], described: Mapping[str, _Described], parts: Mapping[str, _Part], category_from: str
) -> Fraction:
    """A 安全类's rate: over its items, or the mean of its control points' rates (each over its items)."""
    if category_from != "control_points":
        return _rate(parts, selected)
    by_point: dict[str, list[str]] = {}
    for unit in selected:
        by_point.setdefault(described[unit][1], []).append(unit)
    return sum((_rate(parts, members) for members in by_point.values()), Fraction(0)) / len(by_point)


def _object_scores(tallies: Mapping[str, _Tally], w: Fraction, places: int) -> tuple[GroupScore, ...]:
    objects = []
    for obj in sorted(tallies):
        tally = tallies[obj]
        value = _pct(tally.share(w), places) if tally.applicable else None
        objects.append(GroupScore(obj, obj, value, tally.applicable, tally.counts()))
    return tuple(objects)


def _control_points(
    units: list[str], cp_of: Mapping[str, tuple[str, str]], per_cp: Mapping[tuple[str, str], dict[str, int]]
) -> tuple[ControlPointResult, ...]:
    members: dict[tuple[str, str], list[str]] = {}
    for unit in units:  # report order: a control point comes where its first item does
        members.setdefault(cp_of[unit], []).append(unit)
    out = []
    for cp, its_units in members.items():
        masks = per_cp[cp]
        overall = 0
        for mask in masks.values():
            overall |= mask
        by_object = {obj: _BY_MASK[masks[obj]] for obj in sorted(masks)}
        out.append(ControlPointResult(cp[0], cp[1], _BY_MASK[overall], by_object, tuple(its_units)))
    return tuple(out)


def _weighted(
    scheme: Scheme2021, parts: Mapping[str, tuple[Fraction, int]], items: list[ItemScore]
) -> Fraction:
    num = den = lost = Fraction(0)
    for item in items:
        a, b = parts[item.unit]
        omega = Fraction(str(item.weight))
        num, den, lost = num + omega * a, den + omega * b, lost + omega * (b - a)
    if scheme.form == "weighted_mean":
        return num / den
    total = sum(b for _, b in parts.values())
    return 1 - lost / total


def _conclude_2025(scheme: Scheme2025, r: Fraction, major_risks: int) -> tuple[str, str]:
    """Decided on the reported (rounded) rate, so the report's figure and conclusion agree."""
    hi, lo = Fraction(str(scheme.pass_threshold)), Fraction(str(scheme.fail_threshold))
    shown = f"符合率 {float(r):.{scheme.precision}f}%"
    if r < lo or (scheme.fail_inclusive and r == lo):
        return "不符合", f"{shown} {_op(scheme.fail_inclusive, False)} {scheme.fail_threshold:g}%"
    if r > hi or (scheme.pass_inclusive and r == hi):
        above = f"{shown} {_op(scheme.pass_inclusive, True)} {scheme.pass_threshold:g}%"
        if major_risks:
            return "基本符合", f"{above}，但存在 {major_risks} 个重大风险隐患"
        return "符合", f"{above}，且无重大风险隐患"
    return "基本符合", f"{shown} 介于 {scheme.fail_threshold:g}% 与 {scheme.pass_threshold:g}% 之间"


def _conclude_2021(scheme: Scheme2021, value: Fraction, risks: Mapping[str, int]) -> tuple[str, str]:
    shown = f"综合得分 {float(value):.{scheme.precision}f}"
    high, medium = risks.get("高", 0), risks.get("中", 0)
    excellent, good, fair = (Fraction(str(t)) for t in (scheme.excellent, scheme.good, scheme.fair))
    if high:
        return "差", f"存在 {high} 个高风险问题（{shown}）"
    if not medium and value >= excellent:
        return "优", f"无高、中风险问题，{shown} ≥ {scheme.excellent:g}"
    if value >= good:
        why = f"存在 {medium} 个中风险问题，不能为优；" if value >= excellent else "无高风险问题，"
        return "良", f"{why}{shown} ≥ {scheme.good:g}"
    if value >= fair:
        return "中", f"无高风险问题，{shown} ≥ {scheme.fair:g}"
    return "差", f"{shown} < {scheme.fair:g}"


_RISK_ALIASES = {"高": "高", "high": "高", "中": "中", "medium": "中", "低": "低", "low": "低"}


def _risk_counts(raw: Mapping[str, int] | None) -> dict[str, int]:
    out = {"高": 0, "中": 0, "低": 0}
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        raise ScoringError("风险统计 risk_counts 应为 {高: n, 中: n, 低: n}")
    for key, value in raw.items():
        name = _RISK_ALIASES.get(str(key).lower())
        if name is None:
            raise ScoringError(f"风险统计：未知的风险等级“{key}”，应为 高、中 或 低")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ScoringError(f"风险统计 {key}：应为非负整数，而不是 {value!r}")
        out[name] += value
    return out


def _apply(
    rows: dict[tuple[str, str], int], adjustments: Iterable[Adjustment]
) -> tuple[AppliedAdjustment, ...]:
    """Apply 整体测评 adjustments in place; each row may be adjusted once, and must change."""
    adjustments = list(adjustments)
    if not adjustments:
        return ()
    by_unit: dict[str, list[str]] = {}
    if any(
        not isinstance(a, Adjustment) or a.obj is None or (a.unit, a.obj) not in rows for a in adjustments
    ):
        for unit, obj in rows:  # only needed for whole-unit adjustments and for error messages
            by_unit.setdefault(unit, []).append(obj)
    touched: dict[tuple[str, str], int] = {}
    applied = []
    for n, adj in enumerate(adjustments, 1):
        if not isinstance(adj, Adjustment):
            raise ScoringError(f"第 {n} 条调整应为 Adjustment，而不是 {adj!r}")
        where = f"第 {n} 条调整（{adj.unit} / {adj.obj or '全部对象'}）"
        if adj.obj is not None and (adj.unit, adj.obj) in rows:
            targets = [(adj.unit, adj.obj)]
            if rows[targets[0]] == _NA:
                raise ScoringError(f"{where}：不适用的结果不能调整")
        elif adj.unit not in by_unit:
            raise ScoringError(f"{where}：测评单元 {adj.unit} 不在结果中")
        elif adj.obj is not None:
            raise ScoringError(f"{where}：测评对象 {adj.obj} 没有 {adj.unit} 的结果")
        else:
            targets = [(adj.unit, o) for o in by_unit[adj.unit]]
        to = _CODE[adj.to]
        changes = sorted(k for k in targets if rows[k] not in (_NA, to))
        if not changes:
            raise ScoringError(f"{where}：结果已是{adj.to.value}，调整没有改变任何结果")
        for key in changes:
            if key in touched:
                raise ScoringError(f"{where}：{key[1]} 已由第 {touched[key]} 条调整改变过")
            touched[key] = n
            before = RESULTS[rows[key]]
            up = "上调" if RESULTS.index(adj.to) < RESULTS.index(before) else "下调"
            applied.append(
                AppliedAdjustment(key[0], key[1], adj.kind, adj.reason.strip(), before, adj.to, up)
            )
            rows[key] = to
    return tuple(applied)


# --- One JSON document in, one Score out: what the CLI and the web both call ------------


def score_document(
    doc: Mapping[str, Any],
    *,
    scheme: Scheme | str | Mapping[str, Any] | None = None,
    catalogue: Catalogue | None = None,
) -> Score:
    """Score ``{"scheme", "level", "results": [{unit, object, result}], "major_risks", "risk_counts",
    "adjustments": [{unit, object?, to, kind, reason}]}``; ``scheme`` overrides the document's."""
    if not isinstance(doc, Mapping):
        raise ScoringError("输入应为 JSON 对象，含 results 列表")
    raw = doc.get("results")
    if not isinstance(raw, list):
        raise ScoringError("results：应为结果列表 [{unit, object, result}, …]")
    rows: dict[tuple[str, str], int] = {}
    for i, row in enumerate(raw):
        where = f"results[{i}]（第 {i + 1} 条）"
        if not isinstance(row, Mapping):
            raise ScoringError(f"{where}：应为 {{unit, object, result}}")
        unit, obj, result = row.get("unit"), row.get("object", row.get("obj")), row.get("result")
        if not (isinstance(unit, str) and unit.strip() and isinstance(obj, str) and obj.strip()):
            raise ScoringError(f"{where}：unit 和 object 应为非空文本")
        code = _CODE.get(result) if isinstance(result, str) else None
        if code is None:
            raise ScoringError(f"{where} {unit} / {obj}：未知的结果“{result}”，应为 {_ALLOWED}")
        if (unit, obj) in rows:
            raise ScoringError(f"{where}：{unit} / {obj} 的结果重复")
        rows[(unit, obj)] = code
    adjustments = []
    for i, adj in enumerate(doc.get("adjustments") or []):
        if not isinstance(adj, Mapping):
            raise ScoringError(f"adjustments[{i}]：应为 {{unit, object, to, kind, reason}}")
        try:
            adjustments.append(
                Adjustment(
                    unit=str(adj.get("unit", "")),
                    obj=adj.get("object", adj.get("obj")),
                    to=adj.get("to"),  # type: ignore[arg-type]
                    kind=adj.get("kind"),  # type: ignore[arg-type]
                    reason=adj.get("reason", ""),
                )
            )
        except ScoringError as exc:
            raise ScoringError(f"adjustments[{i}]：{exc}") from None
    level = doc.get("level")
    if level is not None and (isinstance(level, bool) or level not in (1, 2, 3, 4, 5)):
        raise ScoringError(f"level：应为 1–5 的整数，而不是 {level!r}")
    return _score(
        rows,
        get_scheme(scheme if scheme is not None else doc.get("scheme", "2025")),
        catalogue,
        adjustments,
        doc.get("major_risks", 0),
        doc.get("risk_counts"),
        level,
    )


__all__ = [
    "SCHEMES",
    "Adjustment",
    "AdjustmentKind",
    "AppliedAdjustment",
    "ControlPointResult",
    "GroupScore",
    "ItemResult",
    "ItemScore",
    "Result",
    "Scheme",
    "Scheme2021",
    "Scheme2025",
    "Score",
    "ScoringError",
    "get_scheme",
    "scheme_from_dict",
    "scheme_parameters",
    "score",
    "score_document",
]
