"""Rule coverage: how many rules per platform and which test units they can decide."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .ruleset import LEVELS, Rule


def coverage(rules: Iterable[Rule]) -> dict:
    rules = list(rules)
    by_platform = Counter(r.platform for r in rules)
    units: dict[str, list[str]] = {}
    for level in LEVELS:
        decided = sorted({u for r in rules for u in r.units.get(level, ())})
        if decided:
            units[level] = decided
    return {"rules": len(rules), "by_platform": dict(sorted(by_platform.items())), "units": units}
