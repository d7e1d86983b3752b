"""Defacement and tamper detection against a person-approved baseline, in layers.

1. The normalised-DOM hash answers "did anything change?" cheaply.
2. The structural diff says how dangerous the change is: a new external script, a new iframe or a
   link to a domain the page never referred to is how defacements and dark links arrive (high); new
   same-site code or forms are medium; new internal links and removals are low.
3. The text similarity says how much of the readable page changed (a replaced home page scores
   near 0, a news item added scores near 1).
4. Defacement phrases ("hacked by", 被黑, ...) that were not in the approved page are high.

A legitimate publish is approved by a person as a new baseline version, after which it no longer
alerts. The :class:`Baseline` is a plain value so the database layer can store and re-approve it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import page
from .results import Condition, Severity, worst
from .snapshot import STRUCTURE_KINDS, PageSnapshot, Structure


@dataclass(frozen=True)
class Baseline:
    """An approved version of a page. ``version`` counts approvals, starting at 1."""

    url: str
    version: int
    dom_hash: str
    title: str
    text: str
    structure: Structure
    approved_by: str
    approved_at: dt.datetime
    note: str = ""

    @classmethod
    def approve(
        cls,
        snapshot: PageSnapshot,
        *,
        approved_by: str,
        approved_at: dt.datetime | None = None,
        previous: Baseline | None = None,
        note: str = "",
    ) -> Baseline:
        """The snapshot as the next approved version (a legitimate publish, re-approved in one step)."""
        return cls(
            url=snapshot.url,
            version=(previous.version + 1) if previous else 1,
            dom_hash=snapshot.dom_hash,
            title=snapshot.title,
            text=snapshot.text,
            structure=snapshot.structure,
            approved_by=approved_by,
            approved_at=approved_at or dt.datetime.now(dt.UTC),
            note=note,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "version": self.version,
            "dom_hash": self.dom_hash,
            "title": self.title,
            "text": self.text,
            "structure": self.structure.to_dict(),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Baseline:
        return cls(
            url=data["url"],
            version=int(data["version"]),
            dom_hash=data["dom_hash"],
            title=data.get("title", ""),
            text=data.get("text", ""),
            structure=Structure.from_dict(data.get("structure", {})),
            approved_by=data.get("approved_by", ""),
            approved_at=dt.datetime.fromisoformat(data["approved_at"]),
            note=data.get("note", ""),
        )


@dataclass(frozen=True)
class TamperThresholds:
    """Text similarity below ``similarity_warn`` is a medium change, below ``similarity_high`` high."""

    similarity_warn: float = 0.85
    similarity_high: float = 0.5


@dataclass(frozen=True)
class StructureChange:
    kind: str  # one of STRUCTURE_KINDS
    item: str
    added: bool
    severity: Severity

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "item": self.item, "added": self.added, "severity": str(self.severity)}


def structure_diff(old: Structure, new: Structure, page_url: str) -> list[StructureChange]:
    page_host = page.host_of(page_url)
    changes: list[StructureChange] = []
    for kind in STRUCTURE_KINDS:
        before, after = getattr(old, kind), getattr(new, kind)
        for item in sorted(after - before):
            changes.append(StructureChange(kind, item, True, _added_severity(kind, item, page_host)))
        for item in sorted(before - after):
            changes.append(StructureChange(kind, item, False, Severity.LOW))
    return changes


def _added_severity(kind: str, item: str, page_host: str) -> Severity:
    if kind in ("iframes", "domains"):
        return Severity.HIGH
    if kind == "scripts":
        external = not item.startswith("inline:") and page.is_external(item, page_host)
        return Severity.HIGH if external else Severity.MEDIUM
    if kind == "forms":
        return Severity.HIGH if page.is_external(item.split(" ", 1)[-1], page_host) else Severity.MEDIUM
    if kind == "resources" and page.is_external(item, page_host):
        return Severity.MEDIUM
    return Severity.LOW


def _shingles(text: str, size: int = 4) -> set[str]:
    text = text.lower()
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def text_similarity(a: str, b: str) -> float:
    """Shared character 4-grams over the larger set: works for Chinese (no spaces), linear in size.

    Dividing by the larger set rather than the union (Jaccard) keeps a news item added to a short
    page from looking like a rewrite, while a replaced page still scores near 0.
    """
    sa, sb = _shingles(a), _shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / max(len(sa), len(sb))


def find_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    lowered = text.lower()
    return [p for p in phrases if p and p.lower() in lowered]


@dataclass(frozen=True)
class TamperReport:
    changed: bool
    similarity: float
    changes: tuple[StructureChange, ...]
    new_phrases: tuple[str, ...]
    severity: Severity
    conditions: tuple[Condition, ...]


def compare(
    baseline: Baseline,
    snapshot: PageSnapshot,
    *,
    phrases: Sequence[str] = (),
    thresholds: TamperThresholds = TamperThresholds(),
) -> TamperReport:
    """Judge ``snapshot`` against ``baseline``; conditions tamper.hash/structure/text/phrases."""
    changed = baseline.dom_hash != snapshot.dom_hash
    conditions = [
        Condition(
            "tamper.hash",
            not changed,
            "页面与基线一致" if not changed else f"页面与基线（第 {baseline.version} 版）不一致",
            Severity.LOW,
            {
                "baseline_version": baseline.version,
                "baseline": baseline.dom_hash,
                "current": snapshot.dom_hash,
            },
        )
    ]
    changes = structure_diff(baseline.structure, snapshot.structure, snapshot.url) if changed else []
    serious = [c for c in changes if c.severity.rank >= Severity.MEDIUM.rank]
    structure_severity = worst(c.severity for c in serious)
    conditions.append(
        Condition(
            "tamper.structure",
            not serious,
            _structure_detail(serious),
            structure_severity if serious else Severity.MEDIUM,
            {"changes": [c.to_dict() for c in changes]},
        )
    )
    similarity = (
        1.0
        if not changed
        else text_similarity(f"{baseline.title} {baseline.text}", f"{snapshot.title} {snapshot.text}")
    )
    text_severity = (
        Severity.HIGH
        if similarity < thresholds.similarity_high
        else Severity.MEDIUM
        if similarity < thresholds.similarity_warn
        else Severity.LOW
    )
    conditions.append(
        Condition(
            "tamper.text",
            similarity >= thresholds.similarity_warn,
            f"文本相似度 {similarity:.0%}",
            text_severity,
            {"similarity": round(similarity, 4), "warn_below": thresholds.similarity_warn},
        )
    )
    before = f"{baseline.title} {baseline.text}".lower()
    found = find_phrases(f"{snapshot.title} {snapshot.text}", phrases)
    new_phrases = tuple(p for p in found if p.lower() not in before)
    conditions.append(_phrase_condition(new_phrases, Severity.HIGH))
    failed = [c.severity for c in conditions if not c.ok]
    return TamperReport(
        changed=changed,
        similarity=similarity,
        changes=tuple(changes),
        new_phrases=new_phrases,
        severity=worst(failed),
        conditions=tuple(conditions),
    )


def phrases_without_baseline(snapshot: PageSnapshot, phrases: Sequence[str]) -> Condition:
    """Before a baseline exists, a defacement phrase on the page is still worth a (medium) alarm."""
    return _phrase_condition(
        tuple(find_phrases(f"{snapshot.title} {snapshot.text}", phrases)), Severity.MEDIUM
    )


def _phrase_condition(found: tuple[str, ...], severity: Severity) -> Condition:
    return Condition(
        "tamper.phrases",
        not found,
        "未发现篡改用语" if not found else f"页面出现篡改用语：{'、'.join(found)}",
        severity,
        {"phrases": list(found)},
    )


_KIND_LABEL = {
    "scripts": "脚本",
    "iframes": "iframe",
    "links": "链接",
    "resources": "资源",
    "forms": "表单",
    "domains": "外部域名",
}


def _structure_detail(serious: list[StructureChange]) -> str:
    if not serious:
        return "页面结构无可疑变化"
    shown = "；".join(f"新增{_KIND_LABEL[c.kind]} {c.item}" for c in serious[:5])
    more = f" 等 {len(serious)} 项" if len(serious) > 5 else ""
    return f"页面结构有可疑变化：{shown}{more}"
