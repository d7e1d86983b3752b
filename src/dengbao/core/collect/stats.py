"""Rule coverage: how many rules per platform, which test units they decide, and the share of
the level-3 units a configuration can show that each platform's rules decide.

The targets are the units whose answer is visible in a configuration (issue 18): for hosts and
databases the 安全计算环境 units of 身份鉴别, 访问控制, 安全审计, 入侵防范, 恶意代码防范,
剩余信息保护 and the configuration part of 数据完整性 / 数据保密性, limited to the units whose test
objects include that kind of object; for network devices the same 安全计算环境 units a device
has, plus the management-traffic units of 安全通信网络 (通信传输) and the rule-based units of
安全区域边界 (访问控制).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .ruleset import LEVELS, Rule


def _ces(*numbers: int) -> tuple[str, ...]:
    return tuple(f"L3-CES1-{n:02d}" for n in numbers)


# 身份鉴别 01–04, 访问控制 05–11, 安全审计 12–15, 入侵防范 17–19 21 22, 恶意代码防范 23,
# 数据完整性 25–26, 数据保密性 27–28, 剩余信息保护 32–33.
HOST_TARGETS = _ces(
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 21, 22, 23, 25, 26, 27, 28, 32, 33
)
# A database management system is not a test object of 17–19, 22 or 23.
DATABASE_TARGETS = _ces(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 21, 25, 26, 27, 28, 32, 33)
DEVICE_TARGETS = (
    *_ces(1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 18, 19, 21),
    "L3-CNS1-06",  # 通信传输: integrity of management traffic
    "L3-CNS1-07",  # 通信传输: confidentiality of management traffic
    "L3-ABS1-05",  # 访问控制: default deny at the controlled interface
    "L3-ABS1-07",  # 访问控制: rules on addresses, ports and protocol
)
TARGETS: dict[str, tuple[str, ...]] = {
    "linux": HOST_TARGETS,
    "windows": HOST_TARGETS,
    "mysql": DATABASE_TARGETS,
    "postgresql": DATABASE_TARGETS,
    "huawei": DEVICE_TARGETS,
    "h3c": DEVICE_TARGETS,
    "cisco": DEVICE_TARGETS,
}
GOAL = 0.8


def coverage(rules: Iterable[Rule]) -> dict:
    rules = list(rules)
    by_platform = Counter(r.platform for r in rules)
    units: dict[str, list[str]] = {}
    for level in LEVELS:
        decided = sorted({u for r in rules for u in r.units.get(level, ())})
        if decided:
            units[level] = decided
    targets: dict[str, dict] = {}
    for platform, target in TARGETS.items():
        decided_here = {u for r in rules if r.platform == platform for u in r.units.get("L3", ())}
        hit = [u for u in target if u in decided_here]
        targets[platform] = {
            "target": len(target),
            "decided": len(hit),
            "share": round(len(hit) / len(target), 3),
            "goal_met": len(hit) >= GOAL * len(target),
            "missing": [u for u in target if u not in decided_here],
        }
    return {
        "rules": len(rules),
        "by_platform": dict(sorted(by_platform.items())),
        "units": units,
        "coverage": targets,
    }
