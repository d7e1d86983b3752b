"""GB/T 22240-2020 grading: harmed objects and degrees → S, A, level and the S/A code.

Business information (业务信息) and system service (系统服务) are judged separately;
each may harm several objects. Every (object, degree) pair maps to a level through
the standard's matrix (表2 = 表3); a dimension's level is the highest of its pairs,
and the system's level is the higher of S and A.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class HarmedObject(StrEnum):
    RIGHTS = "合法权益"  # 公民、法人和其他组织的合法权益
    ORDER = "社会秩序、公共利益"
    NATIONAL = "国家安全"

    @property
    def full_name(self) -> str:
        return {
            HarmedObject.RIGHTS: "公民、法人和其他组织的合法权益",
            HarmedObject.ORDER: "社会秩序、公共利益",
            HarmedObject.NATIONAL: "国家安全",
        }[self]


class Degree(StrEnum):
    GENERAL = "一般"  # 一般损害
    SERIOUS = "严重"  # 严重损害
    EXTREME = "特别严重"  # 特别严重损害

    @property
    def full_name(self) -> str:
        return f"{self.value}损害"


OBJECTS: tuple[HarmedObject, ...] = tuple(HarmedObject)
DEGREES: tuple[Degree, ...] = tuple(Degree)

# GB/T 22240-2020 表2/表3: rows = harmed object, columns = degree.
MATRIX: dict[HarmedObject, dict[Degree, int]] = {
    HarmedObject.RIGHTS: {Degree.GENERAL: 1, Degree.SERIOUS: 2, Degree.EXTREME: 2},
    HarmedObject.ORDER: {Degree.GENERAL: 2, Degree.SERIOUS: 3, Degree.EXTREME: 4},
    HarmedObject.NATIONAL: {Degree.GENERAL: 3, Degree.SERIOUS: 4, Degree.EXTREME: 5},
}

_OBJECT_ALIASES = {
    "合法权益": HarmedObject.RIGHTS,
    "公民、法人和其他组织的合法权益": HarmedObject.RIGHTS,
    "rights": HarmedObject.RIGHTS,
    "社会秩序、公共利益": HarmedObject.ORDER,
    "社会秩序和公共利益": HarmedObject.ORDER,
    "社会秩序": HarmedObject.ORDER,
    "公共利益": HarmedObject.ORDER,
    "order": HarmedObject.ORDER,
    "国家安全": HarmedObject.NATIONAL,
    "national": HarmedObject.NATIONAL,
}
_DEGREE_ALIASES = {
    "一般": Degree.GENERAL,
    "一般损害": Degree.GENERAL,
    "general": Degree.GENERAL,
    "严重": Degree.SERIOUS,
    "严重损害": Degree.SERIOUS,
    "serious": Degree.SERIOUS,
    "特别严重": Degree.EXTREME,
    "特别严重损害": Degree.EXTREME,
    "extreme": Degree.EXTREME,
}


class GradingError(ValueError):
    """Bad input, with a message naming what was wrong."""


def parse_object(text: str) -> HarmedObject:
    key = text.strip()
    if key in _OBJECT_ALIASES:
        return _OBJECT_ALIASES[key]
    if key.lower() in _OBJECT_ALIASES:
        return _OBJECT_ALIASES[key.lower()]
    raise GradingError(f"未知的受侵害客体“{key}”：应为 合法权益、社会秩序、公共利益 或 国家安全")


def parse_degree(text: str) -> Degree:
    key = text.strip()
    if key in _DEGREE_ALIASES:
        return _DEGREE_ALIASES[key]
    if key.lower() in _DEGREE_ALIASES:
        return _DEGREE_ALIASES[key.lower()]
    raise GradingError(f"未知的侵害程度“{key}”：应为 一般、严重 或 特别严重")


@dataclass(frozen=True)
class Harm:
    obj: HarmedObject
    degree: Degree
    justification: str = ""

    @property
    def level(self) -> int:
        return MATRIX[self.obj][self.degree]


def parse_harms(spec: str) -> list[Harm]:
    """'社会秩序、公共利益:严重, 合法权益:一般' → harms. The separator between pairs is a comma
    (ASCII or full-width ，) that is not part of an object's own name."""
    harms = []
    for part in _split_pairs(spec):
        if ":" not in part and "：" not in part:
            raise GradingError(f"“{part}”应写作 客体:程度，如 合法权益:严重")
        obj, degree = part.replace("：", ":").rsplit(":", 1)
        harms.append(Harm(parse_object(obj), parse_degree(degree)))
    if not harms:
        raise GradingError("至少需要一个 客体:程度")
    return harms


def _split_pairs(spec: str) -> list[str]:
    pieces, current = [], ""
    for chunk in spec.replace("，", ",").split(","):
        current = f"{current},{chunk}" if current else chunk
        if ":" in current or "：" in current:
            pieces.append(current.strip())
            current = ""
    if current.strip():
        pieces.append(current.strip())
    return [p for p in pieces if p]


@dataclass(frozen=True)
class DimensionResult:
    level: int
    harms: tuple[Harm, ...]
    decisive: Harm  # the pair that sets the level

    def reason(self, dimension: str) -> str:
        h = self.decisive
        return f"{dimension}受到破坏时，对{h.obj.full_name}造成{h.degree.full_name}，对应第{self.level}级"


@dataclass(frozen=True)
class Grading:
    business: DimensionResult  # 业务信息安全保护等级 S
    service: DimensionResult  # 系统服务安全保护等级 A
    warnings: tuple[str, ...] = field(default=())

    @property
    def level(self) -> int:
        return max(self.business.level, self.service.level)

    @property
    def sa(self) -> str:
        return f"S{self.business.level}A{self.service.level}"

    @property
    def reasons(self) -> tuple[str, ...]:
        decider = (
            "业务信息安全保护等级" if self.business.level >= self.service.level else "系统服务安全保护等级"
        )
        return (
            self.business.reason("业务信息"),
            self.service.reason("系统服务"),
            f"安全保护等级取两者中的较高者，由{decider}决定：第{self.level}级（{self.sa}）",
        )

    def as_dict(self) -> dict:
        return {
            "business_level": self.business.level,
            "service_level": self.service.level,
            "level": self.level,
            "sa": self.sa,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
        }


def _dimension(harms: Sequence[Harm], name: str) -> DimensionResult:
    if not harms:
        raise GradingError(f"{name}：至少需要一个受侵害客体及其侵害程度")
    seen = set()
    for h in harms:
        if h.obj in seen:
            raise GradingError(f"{name}：客体“{h.obj.value}”出现了两次")
        seen.add(h.obj)
    decisive = max(harms, key=lambda h: (h.level, OBJECTS.index(h.obj)))
    return DimensionResult(level=decisive.level, harms=tuple(harms), decisive=decisive)


@dataclass(frozen=True)
class Context:
    """Facts about the system that trigger the standard's and the sector's rules."""

    is_support_platform: bool = False  # cloud platform, communication network, … (支撑性对象)
    carried_levels: tuple[int, ...] = ()  # levels of the systems it carries
    big_data_with_personal_info: bool = False  # 涉及大量公民个人信息、为公众提供服务的大数据平台
    sector_minimum: int | None = None  # e.g. 3 for an internet hospital (卫生健康行业规定)
    sector_rule: str = ""


def grade(business: Iterable[Harm], service: Iterable[Harm], context: Context | None = None) -> Grading:
    b = _dimension(list(business), "业务信息")
    s = _dimension(list(service), "系统服务")
    result = Grading(business=b, service=s)
    return Grading(business=b, service=s, warnings=tuple(check_rules(result.level, context or Context())))


def check_rules(level: int, context: Context) -> list[str]:
    """GB/T 22240-2020 ch.7 and sector rules, as warnings: they never change the matrix result."""
    warnings = []
    if context.is_support_platform and context.carried_levels and level < max(context.carried_levels):
        warnings.append(
            f"支撑性对象（云计算平台、通信网络等）原则上不应低于其承载对象的等级：承载对象最高为第{max(context.carried_levels)}级，"
            f"当前为第{level}级"
        )
    if context.big_data_with_personal_info and level < 3:
        warnings.append(
            f"涉及大量公民个人信息、为公众提供服务的大数据平台原则上不低于第三级，当前为第{level}级"
        )
    if context.sector_minimum and level < context.sector_minimum:
        rule = context.sector_rule or "行业规定"
        warnings.append(f"{rule}：应不低于第{context.sector_minimum}级，当前为第{level}级")
    return warnings


@dataclass(frozen=True)
class MatrixCell:
    level: int
    chosen: bool  # a harm of this dimension falls in this cell
    decisive: bool  # the chosen cell that sets the dimension's level


def matrix_rows(result: DimensionResult | None) -> list[tuple[HarmedObject, list[MatrixCell]]]:
    """The 3×3 matrix with this dimension's harms marked, row by row, for display."""
    chosen = {(h.obj, h.degree) for h in result.harms} if result else set()
    decisive = (result.decisive.obj, result.decisive.degree) if result else None
    return [
        (obj, [MatrixCell(MATRIX[obj][deg], (obj, deg) in chosen, (obj, deg) == decisive) for deg in DEGREES])
        for obj in OBJECTS
    ]
