"""Evaluate rules over collected artefacts and turn rule verdicts into proposed unit results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from . import expr
from .ruleset import _PLACEHOLDER, Rule

MAX_EVIDENCE_LINES = 8
# Artefacts read by OCR from screenshots: a result that reads one is lower-confidence (the text
# may be misread, and a screenshot shows what was on screen, not the effective configuration).
OCR_ARTEFACT = "ocr_text"
OCR_PREFIX = "ocr:"  # one screenshot's text, e.g. "ocr:12" for evidence 12


def is_ocr_artefact(name: str) -> bool:
    return name == OCR_ARTEFACT or name.startswith(OCR_PREFIX)


class State(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"
    ERROR = "error"


@dataclass(frozen=True)
class EvidenceLine:
    artefact: str
    line: int  # 1-based
    text: str


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    state: State
    sentence: str
    values: Mapping[str, object]
    evidence: tuple[EvidenceLine, ...]
    message: str = ""

    @property
    def low_confidence(self) -> bool:
        """Read from a screenshot's recognised text rather than collected command output."""
        return any(is_ocr_artefact(a) for a in self.rule.artefacts)

    def as_dict(self) -> dict:
        out = {
            "rule": self.rule.id,
            "title": self.rule.title,
            "state": self.state.value,
            "sentence": self.sentence,
            "message": self.message,
            "evidence": [{"artefact": e.artefact, "line": e.line, "text": e.text} for e in self.evidence],
        }
        if self.low_confidence:
            out["confidence"] = "low"
        return out


def _typed(text: str) -> object:
    """Kept as text ("022" stays "022"); comparisons treat numeric text as numbers."""
    return text.strip()


def extract(rule: Rule, artefacts: Mapping[str, str]) -> tuple[dict[str, object], list[EvidenceLine]]:
    values: dict[str, object] = {}
    evidence: list[EvidenceLine] = []
    for ex in rule.extract:
        found: list[object] = []
        text = artefacts.get(ex.artefact, "")
        for number, line in enumerate(text.splitlines(), start=1):
            m = ex.pattern.search(line)
            if not m:
                continue
            found.append(_typed(next((g for g in m.groups() if g is not None), m.group(0))))
            if len(evidence) < MAX_EVIDENCE_LINES:
                evidence.append(EvidenceLine(ex.artefact, number, line.strip()[:300]))
            if not ex.many:
                break
        if not found and len(evidence) < MAX_EVIDENCE_LINES:
            evidence.append(EvidenceLine(ex.artefact, 0, f"（无匹配行：{ex.name}）"))
        if ex.many:
            values[ex.name] = found
        else:
            values[ex.name] = found[-1] if found else ex.default
    return values, evidence


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill ``{NAME}`` and ``{A|B}`` (first defined) placeholders; no attribute access, unlike str.format."""

    def fill(m: re.Match[str]) -> str:
        v = next((values.get(n) for n in m.group(1).split("|") if values.get(n) not in (None, [])), None)
        if v is None or v == []:
            return "未配置"
        if isinstance(v, list):
            return "、".join(str(x) for x in v[:10]) + ("等" if len(v) > 10 else "")
        return str(v)

    return _PLACEHOLDER.sub(fill, template)


def evaluate_rule(rule: Rule, artefacts: Mapping[str, str]) -> RuleResult:
    missing = [a for a in rule.artefacts if a not in artefacts]
    if missing:
        return RuleResult(rule, State.ERROR, "", {}, (), f"采集包缺少：{'、'.join(missing)}")
    try:
        values, evidence = extract(rule, artefacts)
        if rule.na_tree is not None and expr.truthy(expr.evaluate(rule.na_tree, values)):
            return RuleResult(rule, State.NA, "", values, tuple(evidence), "不适用")
        ok = expr.truthy(expr.evaluate(rule.tree, values))
    except (expr.ExprError, re.error, TypeError, ValueError) as exc:
        return RuleResult(rule, State.ERROR, "", {}, (), str(exc))
    state = State.PASS if ok else State.FAIL
    sentence = render(rule.pass_text if ok else rule.fail_text, values)
    return RuleResult(rule, state, sentence, values, tuple(evidence))


def evaluate(
    rules: Iterable[Rule], artefacts: Mapping[str, str], *, platform: str | None = None
) -> list[RuleResult]:
    return [evaluate_rule(r, artefacts) for r in rules if platform is None or r.platform == platform]


@dataclass(frozen=True)
class UnitProposal:
    unit: str
    result: str  # 符合 / 部分符合 / 不符合
    note: str
    rules: tuple[RuleResult, ...]

    @property
    def low_confidence(self) -> bool:
        return any(r.low_confidence for r in self.rules)


def propose(results: Iterable[RuleResult], *, level: str) -> list[UnitProposal]:
    """Per unit of ``level``: all decided rules pass → 符合, some → 部分符合, none → 不符合.

    Rules that were not applicable or errored decide nothing; a unit with no
    deciding rule gets no proposal.
    """
    by_unit: dict[str, list[RuleResult]] = {}
    for r in results:
        for unit in r.rule.units.get(level, ()):
            by_unit.setdefault(unit, []).append(r)
    out: list[UnitProposal] = []
    for unit in sorted(by_unit):
        deciding = [r for r in by_unit[unit] if r.state in (State.PASS, State.FAIL)]
        if not deciding:
            continue
        passed = sum(r.state is State.PASS for r in deciding)
        result = "符合" if passed == len(deciding) else "不符合" if passed == 0 else "部分符合"
        note = "；".join(r.sentence.rstrip("。；") for r in deciding) + "。"
        out.append(UnitProposal(unit, result, note, tuple(deciding)))
    return out


def counts(results: Iterable[RuleResult]) -> dict[str, int]:
    out = {s.value: 0 for s in State}
    for r in results:
        out[r.state.value] += 1
    return out
