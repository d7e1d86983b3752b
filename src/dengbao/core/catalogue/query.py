"""Selecting, comparing and counting catalogue items. Pure functions over a Catalogue."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .model import Catalogue, HighRiskCase, Item
from .vocab import CATEGORIES, PARTS

SA_RE = re.compile(r"^S([1-5])A([1-5])$")
# GB/T 22239-2019 gives no level-5 requirements (第十章 “略”). 公网安〔2025〕1846号 (Q10): a level-5
# system is tested against 22239's level 4 plus GA/T 2182-2024, which this catalogue does not carry.
TOP_LEVEL = 4
LEVEL5_NOTE = (
    "第五级：GB/T 22239-2019 未给出第五级要求，按公网安〔2025〕1846号函以第四级要求选取测评项；"
    "GA/T 2182-2024 的补充要求未内置，须另行测评。"
)


@dataclass(frozen=True)
class Grade:
    """A system's grading as S (business information) and A (system service) levels."""

    s: int
    a: int

    @property
    def level(self) -> int:
        return max(self.s, self.a)

    @property
    def code(self) -> str:
        return f"S{self.s}A{self.a}"

    @property
    def beyond_catalogue(self) -> bool:
        """Level 5: the items are level 4's, and GA/T 2182-2024 is not built in (LEVEL5_NOTE)."""
        return self.level > TOP_LEVEL

    @classmethod
    def parse(cls, code: str) -> Grade:
        m = SA_RE.match(code.strip().upper())
        if m is None:
            raise ValueError(f"{code!r} is not an S/A code such as S3A2")
        return cls(int(m.group(1)), int(m.group(2)))


def select(
    catalogue: Catalogue,
    *,
    level: int | None = None,
    part: str | None = None,
    parts: Iterable[str] | None = None,
    category: str | None = None,
    control_point: str | None = None,
    object_type: str | None = None,
    text: str | None = None,
) -> list[Item]:
    """Items matching every given filter, in catalogue order."""
    wanted_parts = set(parts) if parts is not None else ({part} if part else None)
    needle = text.strip().lower() if text else ""
    out = []
    for item in catalogue.items:
        if level is not None and item.level != level:
            continue
        if wanted_parts is not None and item.part not in wanted_parts:
            continue
        if category and item.category != category:
            continue
        if control_point and item.control_point != control_point:
            continue
        if object_type and object_type not in item.objects:
            continue
        if needle and needle not in _haystack(item):
            continue
        out.append(item)
    return out


def _haystack(item: Item) -> str:
    return " ".join((item.id, item.control_point, item.requirement, *item.steps)).lower()


def for_grade(catalogue: Catalogue, grade: Grade | str, *, extensions: Iterable[str] = ()) -> list[Item]:
    """The applicable items for a system graded e.g. S3A2 (GB/T 22239 附录A).

    S-class control points are taken at the S level, A-class at the A level, G-class
    and every extension at the system level max(S, A). Level 5 takes level 4's items
    (see LEVEL5_NOTE).
    """
    if isinstance(grade, str):
        grade = Grade.parse(grade)
    exts = set(extensions)
    unknown = exts - (set(PARTS) - {"general"})
    if unknown:
        raise ValueError(f"unknown extensions: {', '.join(sorted(unknown))}")
    level_for = {k: min(v, TOP_LEVEL) for k, v in (("S", grade.s), ("A", grade.a), ("G", grade.level))}
    out = []
    for item in catalogue.items:
        if item.part == "general":
            if item.level == level_for[item.attribute]:
                out.append(item)
        elif item.part in exts and item.level == level_for["G"]:
            out.append(item)
    return out


def high_risk_for(catalogue: Catalogue, unit_id: str) -> list[HighRiskCase]:
    return [case for case in catalogue.high_risk if unit_id in case.units]


# --- Counting -----------------------------------------------------------------


def stats(catalogue: Catalogue) -> dict:
    """Counts per part and level, per category of the general part, and of high-risk cases."""
    per_part: dict[str, Counter[int]] = {p: Counter() for p in PARTS}
    by_category: dict[int, Counter[str]] = {}
    for item in catalogue.items:
        per_part[item.part][item.level] += 1
        if item.part == "general":
            by_category.setdefault(item.level, Counter())[item.category] += 1
    ext_names = {"cloud": "cloud", "mobile": "mobile", "iot": "iot", "ics": "ics"}
    return {
        "catalogue": {"name": catalogue.name, "version": catalogue.version},
        "general": {str(lv): per_part["general"][lv] for lv in range(1, 5)},
        "extensions": {
            ext_names[p]: {str(lv): per_part[p][lv] for lv in range(1, 5)} for p in PARTS if p != "general"
        },
        "by_category": {
            str(lv): {c.code: by_category[lv][c.code] for c in CATEGORIES} for lv in sorted(by_category)
        },
        "high_risk_cases": len(catalogue.high_risk),
    }


def control_point_counts(items: Iterable[Item]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item.category, item.control_point)
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- Comparing ------------------------------------------------------------------


@dataclass
class LevelDiff:
    """What ``higher`` asks beyond ``lower``, control point by control point."""

    lower: int
    higher: int
    added: list[Item] = field(default_factory=list)  # items with no counterpart at the lower level
    changed: list[tuple[Item, Item]] = field(default_factory=list)  # (lower, higher) reworded/strengthened
    same: list[tuple[Item, Item]] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)  # lower-level items with no counterpart above


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _pair(lower: Sequence[Item], higher: Sequence[Item], threshold: float = 0.45):
    """Greedy best-first pairing of items by requirement text similarity."""
    scored = sorted(
        (
            (_similarity(lo.requirement, hi.requirement), i, j)
            for i, lo in enumerate(lower)
            for j, hi in enumerate(higher)
        ),
        reverse=True,
    )
    used_lo: set[int] = set()
    used_hi: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score < threshold or i in used_lo or j in used_hi:
            continue
        used_lo.add(i)
        used_hi.add(j)
        pairs.append((lower[i], higher[j], score))
    rest_lo = [lo for i, lo in enumerate(lower) if i not in used_lo]
    rest_hi = [hi for j, hi in enumerate(higher) if j not in used_hi]
    return pairs, rest_lo, rest_hi


def diff_levels(catalogue: Catalogue, lower: int, higher: int, *, part: str = "general") -> LevelDiff:
    result = LevelDiff(lower=lower, higher=higher)
    lo_items = select(catalogue, level=lower, part=part)
    hi_items = select(catalogue, level=higher, part=part)
    keys = list(dict.fromkeys([(i.category, i.control_point) for i in hi_items + lo_items]))
    for key in keys:
        lo = [i for i in lo_items if (i.category, i.control_point) == key]
        hi = [i for i in hi_items if (i.category, i.control_point) == key]
        pairs, rest_lo, rest_hi = _pair(lo, hi)
        for a, b, _score in pairs:
            (result.same if a.requirement == b.requirement else result.changed).append((a, b))
        result.added += rest_hi
        result.removed += rest_lo
    order = {item.id: n for n, item in enumerate(catalogue.items)}
    result.added.sort(key=lambda i: order[i.id])
    result.changed.sort(key=lambda p: order[p[1].id])
    return result


@dataclass
class VersionDiff:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    changed: list[tuple[Item, Item, tuple[str, ...]]] = field(default_factory=list)  # (old, new, fields)


_COMPARED = (
    "category",
    "control_point",
    "attribute",
    "letter",
    "requirement",
    "objects",
    "methods",
    "steps",
    "verdict",
)


def diff_versions(old: Catalogue, new: Catalogue) -> VersionDiff:
    result = VersionDiff()
    for item in new.items:
        before = old.by_id.get(item.id)
        if before is None:
            result.added.append(item)
            continue
        fields = tuple(f for f in _COMPARED if getattr(before, f) != getattr(item, f))
        if fields:
            result.changed.append((before, item, fields))
    result.removed = [item for item in old.items if item.id not in new.by_id]
    return result


def checklist(
    catalogue: Catalogue, *, level: int | None = None, sa: str = "", extensions: Iterable[str] = ()
) -> tuple[list[Item], str]:
    """The items of a checklist and its title: by level, or by S/A code (附录A selection)."""
    extensions = tuple(extensions)
    if sa:
        grade = Grade.parse(sa)
        if level and level != grade.level:
            raise ValueError(f"{grade.code} 对应第{grade.level}级，与所选第{level}级不一致")
        items = for_grade(catalogue, grade, extensions=extensions)
        title = f"第{grade.level}级（{grade.code}）测评作业表"
        if grade.beyond_catalogue:
            title += "（按第四级要求选取，GA/T 2182-2024 未内置）"
    elif level:
        items = select(catalogue, level=level, parts=("general", *extensions))
        title = f"第{level}级测评作业表"
    else:
        raise ValueError("需要级别或 S/A 组合 (give a level or an S/A code)")
    if extensions:
        names = "、".join(PARTS[e][1].removesuffix("安全扩展要求") for e in extensions)
        title += f"：通用要求 + {names}扩展要求"
    return items, title
