"""Scoring schemes: the parameters a report's 符合率 or 综合得分 and its conclusion depend on.

Split from scoring.py (which imports and re-exports everything here): a scheme is data the
report prints, checked when it is made; the arithmetic that uses it stays in scoring.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from types import MappingProxyType
from typing import Any, ClassVar


class ScoringError(ValueError):
    """Bad input; the message names the offending row, adjustment or parameter."""


def _op(inclusive: bool, above: bool) -> str:
    return ("≥" if inclusive else ">") if above else ("≤" if inclusive else "<")


# --- Schemes ------------------------------------------------------------------------

_AGGREGATION_TEXT = {
    "item_mean": "测评项得分为其适用对象的平均，符合率为各测评项得分的平均",
    "result_mean": "每个对象上的每个结果等权平均",
    "item_worst": "测评项取其最差对象的得分",
}
AGGREGATIONS = tuple(_AGGREGATION_TEXT)
# How a 安全类's score is made. GB/T 28449-2018 8.2.4 derives the layer from its control points'
# results but publishes no formula: "control_points" (mean of control-point scores, each the mean
# of its items' scores) is the project's reading of it, an assumption like every other formula here.
_CATEGORY_FROM_TEXT = {
    "items": "安全类得分为该类各测评项得分的平均",
    "control_points": "安全类得分为该类各控制点得分的平均，控制点得分为其测评项得分的平均"
    "（依 GB/T 28449-2018 8.2.4 由控制点汇总安全类；该标准未给出公式，此为本方案的假设）",
}
CATEGORY_FROM = tuple(_CATEGORY_FROM_TEXT)
IMPORTANCE = ("一般", "重要", "关键")


def _check_common(s: Any) -> None:
    if not 0 <= s.partial_weight <= 1:
        raise ScoringError(f"方案 {s.name}：partial_weight 应在 0 与 1 之间")
    if s.aggregation not in AGGREGATIONS:
        raise ScoringError(f"方案 {s.name}：aggregation 应为 {' / '.join(AGGREGATIONS)}")
    if s.category_from not in CATEGORY_FROM:
        raise ScoringError(f"方案 {s.name}：category_from 应为 {' / '.join(CATEGORY_FROM)}")
    if not 0 <= s.precision <= 6:
        raise ScoringError(f"方案 {s.name}：precision 应在 0 与 6 之间")
    if not str(s.name).strip():
        raise ScoringError("方案名称不能为空")


def _default(f: Field[Any]) -> Any:
    """A parameter's built-in value: its default, or what its default factory makes."""
    if f.default_factory is not MISSING:
        return f.default_factory()
    return f.default


def _check_name(s: Any) -> None:
    """A report that says "2025" must mean the built-in parameters."""
    if s.name == s.base:
        changed = [
            f.name for f in fields(s) if f.name not in ("name", "title") and getattr(s, f.name) != _default(f)
        ]
        if changed:
            raise ScoringError(f"改变了参数（{', '.join(changed)}）的方案须另起名称，不能仍叫 {s.base}")


@dataclass(frozen=True)
class Scheme2025:
    """符合率 and 符合/基本符合/不符合 (公网安〔2025〕1846号); the formula itself is assumed."""

    base: ClassVar[str] = "2025"
    name: str = "2025"
    title: str = "2025版测评报告模板：符合率"
    partial_weight: float = 0.5  # 部分符合 counts this much of 符合
    aggregation: str = "item_mean"  # item = mean over its objects; rate = mean over items
    category_from: str = "items"  # 安全类 score from its items, or from its control points (28449 8.2.4)
    pass_threshold: float = 90.0
    pass_inclusive: bool = False  # 符合 needs rate > 90 (≥ when inclusive) and no 重大风险隐患
    fail_threshold: float = 60.0
    fail_inclusive: bool = True  # 不符合 when rate ≤ 60 (< when not inclusive)
    precision: int = 2  # decimals of the reported percentage

    def __post_init__(self) -> None:
        _check_common(self)
        if not 0 <= self.fail_threshold <= self.pass_threshold <= 100:
            raise ScoringError(f"方案 {self.name}：应有 0 ≤ fail_threshold ≤ pass_threshold ≤ 100")
        _check_name(self)

    def assumptions(self) -> tuple[str, ...]:
        """What the report must say is assumed (MLPS-FACTS §4.1): the letter fixes only the wording."""
        hi, lo = _op(self.pass_inclusive, True), _op(self.fail_inclusive, False)
        return (
            "2025版报告模板的符合率公式未公开，以下均为本方案的参数而非官方规定：",
            f"部分符合按 {self.partial_weight:g} 计分，符合 1、不符合 0；汇总方式 {self.aggregation}"
            f"（{_AGGREGATION_TEXT[self.aggregation]}）",
            f"符合：符合率 {hi} {self.pass_threshold:g}% 且无重大风险隐患；不符合：符合率 {lo} "
            f"{self.fail_threshold:g}%；其余为基本符合（1846号函未规定恰为边界值时的归属）",
            f"结论按报告显示的、保留 {self.precision} 位小数的符合率判定",
            f"{_CATEGORY_FROM_TEXT[self.category_from]}（category_from {self.category_from}）",
            "不适用的结果不计入；所有对象均不适用的测评项不计入分母",
        )


@dataclass(frozen=True)
class Scheme2021:
    """综合得分 and 优/良/中/差 of the 2021 template, approximated: its text is not public."""

    base: ClassVar[str] = "2021"
    name: str = "2021"
    title: str = "2021版测评报告模板（近似）：综合得分与优/良/中/差"
    partial_weight: float = 0.5
    aggregation: str = "item_mean"
    category_from: str = "items"
    form: str = "deduction"  # "deduction": 100 − Σ ω(1 − x)·100/n; "weighted_mean": Σωx / Σω
    weights: Mapping[str, float] = field(default_factory=lambda: {"一般": 0.2, "重要": 0.5, "关键": 1.0})
    default_importance: str = "关键"  # unknown importance costs an item its full share
    importance: Mapping[str, str] = field(
        default_factory=dict
    )  # unit / "CES:身份鉴别" / "身份鉴别" → 重要程度
    excellent: float = 90.0  # 优: ≥ this and no 中/高 risk
    good: float = 80.0  # 良: ≥ this and no 高 risk
    fair: float = 70.0  # 中: ≥ this and no 高 risk; otherwise 差
    precision: int = 2

    def __post_init__(self) -> None:
        _check_common(self)
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))
        object.__setattr__(self, "importance", MappingProxyType(dict(self.importance)))
        if self.form not in ("deduction", "weighted_mean"):
            raise ScoringError(f"方案 {self.name}：form 应为 deduction 或 weighted_mean")
        if set(self.weights) != set(IMPORTANCE) or not all(0 < w <= 1 for w in self.weights.values()):
            raise ScoringError(f"方案 {self.name}：weights 应给出 一般、重要、关键 三档，每档在 0 与 1 之间")
        bad = [k for k, v in self.importance.items() if v not in IMPORTANCE]
        if self.default_importance not in IMPORTANCE or bad:
            raise ScoringError(f"方案 {self.name}：重要程度应为 一般、重要 或 关键（{', '.join(bad)}）")
        if not 0 <= self.fair <= self.good <= self.excellent <= 100:
            raise ScoringError(f"方案 {self.name}：应有 0 ≤ fair ≤ good ≤ excellent ≤ 100")
        _check_name(self)

    def assumptions(self) -> tuple[str, ...]:
        """The 2021 template's formula was not verified (MLPS-FACTS §4.2): all of this is approximate."""
        formula = "100 − Σ ω·(1 − x)·100/n" if self.form == "deduction" else "Σ ω·x / Σ ω × 100"
        weights = "/".join(f"{k} {v:g}" for k, v in self.weights.items())
        return (
            "2021版报告模板的综合得分为近似计算，未与官方模板核对：",
            f"综合得分 = {formula}；x 为测评项符合程度（部分符合 {self.partial_weight:g}），不适用不计入",
            f"重要程度权重 {weights}；未指定重要程度的测评项按“{self.default_importance}”计",
            f"优：无中、高风险且 ≥ {self.excellent:g}；良：无高风险且 ≥ {self.good:g}；"
            f"中：无高风险且 ≥ {self.fair:g}；其余（含任一高风险）为差",
            f"{_CATEGORY_FROM_TEXT[self.category_from]}（category_from {self.category_from}）",
        )

    def weight(self, unit: str, category: str, control_point: str) -> float:
        imp = self.importance
        grade = imp.get(unit) or imp.get(f"{category}:{control_point}") or imp.get(control_point)
        return self.weights[grade or self.default_importance]


Scheme = Scheme2025 | Scheme2021
SCHEMES: dict[str, Scheme] = {"2025": Scheme2025(), "2021": Scheme2021()}
_SCHEME_CLASSES: dict[str, type] = {"2025": Scheme2025, "2021": Scheme2021}


# 公网安〔2025〕1846号 Q20–Q22: reports dated from 2025-03-20 on use the 2025 template and its
# 符合率; the 2021 template (综合得分) only for reports dated before that day.
SCHEME_2021_UNTIL = dt.date(2025, 3, 20)


def scheme_date_problem(base: str, report_date: dt.date, reason: str = "") -> str:
    """Why a report of ``report_date`` may not be scored on scheme ``base``; "" when it may.
    A recorded reason (e.g. a client's contract signed on the old template) lifts the rule."""
    if base == "2021" and report_date >= SCHEME_2021_UNTIL and not reason.strip():
        return (
            f"报告日期 {report_date} 不早于 {SCHEME_2021_UNTIL}："
            "按公网安〔2025〕1846号应使用 2025 版模板与符合率，2021 版计分方案须记录理由"
        )
    return ""


def scheme_parameters(scheme: Scheme) -> dict[str, Any]:
    """Every parameter of a scheme, as the report prints it and as ``scheme_from_dict`` reads it."""
    out: dict[str, Any] = {"base": scheme.base}
    for f in fields(scheme):
        value = getattr(scheme, f.name)
        out[f.name] = dict(value) if isinstance(value, Mapping) else value
    return out


def scheme_from_dict(data: Mapping[str, Any]) -> Scheme:
    """An agency's own scheme: ``base`` ("2025"/"2021") plus the parameters it changes."""
    if not isinstance(data, Mapping):
        raise ScoringError("评分方案应为映射（base、name 及要改变的参数）")
    base = str(data.get("base", data.get("name", "")))
    cls = _SCHEME_CLASSES.get(base)
    if cls is None:
        raise ScoringError(f"评分方案的 base “{base}” 未知：应为 {' / '.join(_SCHEME_CLASSES)}")
    defaults = {f.name: getattr(SCHEMES[base], f.name) for f in fields(cls)}
    unknown = sorted(set(data) - set(defaults) - {"base"})
    if unknown:
        raise ScoringError(f"评分方案：未知参数 {', '.join(unknown)}")
    kwargs = {}
    for key, value in data.items():
        if key == "base":
            continue
        default = defaults[key]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif isinstance(default, Mapping):
            ok = isinstance(value, Mapping)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ScoringError(f"评分方案参数 {key}：类型应与默认值 {default!r} 相同，而不是 {value!r}")
        kwargs[key] = value
    return cls(**kwargs)


def get_scheme(spec: Scheme | str | Mapping[str, Any]) -> Scheme:
    if isinstance(spec, Scheme2025 | Scheme2021):
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = str(spec)  # "scheme": 2025 in a hand-written JSON
    if isinstance(spec, str):
        if spec not in SCHEMES:
            raise ScoringError(f"未知的评分方案“{spec}”：内置方案为 {' / '.join(SCHEMES)}")
        return SCHEMES[spec]
    return scheme_from_dict(spec)
