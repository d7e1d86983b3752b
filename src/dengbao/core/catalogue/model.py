"""The catalogue as plain, immutable data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """One requirement item (要求项) and its test unit (测评单元)."""

    id: str  # official test-unit ID, e.g. "L3-CES1-01"
    level: int
    part: str  # general / cloud / mobile / iot / ics
    category: str  # PES … MMS
    control_point: str  # 控制点
    attribute: str  # S / A / G
    letter: str  # a, b, c …
    requirement: str  # 测评指标, in our own words
    objects: tuple[str, ...]  # 测评对象 types
    methods: tuple[str, ...]  # 访谈 / 核查 / 测试
    steps: tuple[str, ...] = ()  # 测评实施
    verdict: str = ""  # 单元判定
    source: str = ""  # "file.yaml:line"

    @property
    def sequence(self) -> int:
        return int(self.id.rsplit("-", 1)[1])


@dataclass(frozen=True)
class HighRiskCase:
    """One case (判例) of the 2025 high-risk guide."""

    id: str  # "6.4.1.1"
    title: str
    part: str
    category: str
    control_point: str
    units: tuple[
        str, ...
    ]  # the unit IDs it judges, one per applicable level, e.g. ("L2-CES1-01", "L3-CES1-01")
    scope: str  # 适用范围 as a phrase, e.g. "第三级及以上"
    min_level: int
    conditions: tuple[str, ...] = ()  # e.g. ("业务连续性要求高",) ("云计算平台",)
    problem: str = ""
    mitigations: tuple[str, ...] = ()
    evaluation: str = ""
    source: str = ""


@dataclass(frozen=True)
class Catalogue:
    name: str
    version: str
    source_note: str
    items: tuple[Item, ...]
    high_risk: tuple[HighRiskCase, ...] = ()
    by_id: dict[str, Item] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.by_id:
            object.__setattr__(self, "by_id", {item.id: item for item in self.items})
