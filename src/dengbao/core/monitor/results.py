"""Per-condition results: what every check returns, so the DB layer can store which condition failed.

Modelled on the "conditions" idea of status-page tools: a check is a list of named conditions, each
with a verdict and evidence, rather than one up/down bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a failed condition is; ``rank`` orders them."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return _LABEL[self]


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
_LABEL = {
    Severity.INFO: "提示",
    Severity.LOW: "低",
    Severity.MEDIUM: "中",
    Severity.HIGH: "高",
    Severity.CRITICAL: "严重",
}


def worst(severities: Iterable[Severity], default: Severity = Severity.INFO) -> Severity:
    return max(severities, key=lambda s: s.rank, default=default)


@dataclass(frozen=True)
class Condition:
    """One named verdict.

    ``severity`` says how bad it is when ``ok`` is false; ``detail`` is the sentence a person reads
    (Chinese); ``evidence`` is JSON-safe data that proves it (status code, the added script, ...).
    """

    name: str
    ok: bool
    detail: str
    severity: Severity = Severity.INFO
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "severity": str(self.severity),
            "detail": self.detail,
            "evidence": dict(self.evidence),
        }
