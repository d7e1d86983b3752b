"""Check conditions as stored JSON rows: what a check result and an incident keep of them.

A module of its own so that ``store`` (which writes results, then evaluates the alert rules)
and ``alerting`` (which opens incidents) both use it without importing each other.
"""

from __future__ import annotations

import json
from typing import Any

MAX_EVIDENCE = 4000


def _evidence(data: Any) -> Any:
    text = json.dumps(data, ensure_ascii=False, default=str)
    return data if len(text) <= MAX_EVIDENCE else {"truncated": True, "size": len(text)}


def condition_rows(conditions, *, only_failed: bool) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "ok": c.ok,
            "severity": str(c.severity),
            "detail": c.detail[:500],
            "evidence": _evidence(dict(c.evidence)),
        }
        for c in conditions
        if not (only_failed and c.ok)
    ]
