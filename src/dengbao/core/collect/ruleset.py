"""Collection rules as data: YAML files, validated at load with ``file:line: field: message`` errors.

One file per platform under ``rules/`` (the registry); an agency's own file can add
rules or replace a built-in one by ``id`` (``DENGBAO_COLLECT_RULES`` names it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from . import expr

RULES_DIR = Path(__file__).parent / "rules"
# "ocr": rules over text read from evidence screenshots (artefact ``ocr_text``); their results are
# marked lower-confidence (evaluate.is_ocr_artefact).
PLATFORMS = ("linux", "windows", "mysql", "postgresql", "oracle", "mssql", "huawei", "h3c", "cisco", "ocr")
LEVELS = ("L1", "L2", "L3", "L4")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,80}$")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,40}$")
_UNIT = re.compile(r"^L[1-4]-[A-Z]{2,4}[0-9]-[0-9]{2}$")
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*(?:\|[A-Z][A-Z0-9_]*)*)\}")
REQUIRED = (
    "id",
    "title",
    "platform",
    "artefacts",
    "condition",
    "expected",
    "units",
    "pass",
    "fail",
    "remediation",
)
OPTIONAL = ("extract", "na_if", "references", "description")


class RuleError(ValueError):
    """Every problem found in a rules file, one ``file:line: field: message`` per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Extraction:
    """A value read from an artefact: first match of ``regex`` (group 1 if any), or all of them."""

    name: str
    artefact: str
    regex: str
    many: bool = False
    default: object = None

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.regex)


@cache
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    platform: str
    artefacts: tuple[str, ...]
    extract: tuple[Extraction, ...]
    condition: str
    expected: str
    units: Mapping[str, tuple[str, ...]]
    pass_text: str
    fail_text: str
    remediation: str
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    na_if: str = ""
    description: str = ""
    source: str = ""  # file:line it came from

    @property
    def tree(self) -> expr.Node:
        return _parsed(self.condition)

    @property
    def na_tree(self) -> expr.Node | None:
        return _parsed(self.na_if) if self.na_if else None


@cache
def _parsed(text: str) -> expr.Node:
    return expr.parse(text)


def _lines(node: yaml.Node) -> dict[str, int]:
    """Line (1-based) of each key of a mapping node, for error messages."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            out[str(key.value)] = key.start_mark.line + 1
    return out


def _str_list(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def parse_rules(text: str, *, filename: str, known_units: Iterable[str] | None = None) -> list[Rule]:
    """Parse and validate one rules file; raise RuleError listing every problem found."""
    units_known = set(known_units) if known_units is not None else None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise RuleError([f"{filename}:{line}: yaml: {getattr(exc, 'problem', exc)}"]) from None
    if data is None:
        return []
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
        root = next(v for k, v in root.value if k.value == "rules")  # type: ignore[union-attr]
    if not isinstance(data, list):
        raise RuleError([f"{filename}:1: rules: expected a list of rules"])
    problems: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for node, raw in zip(root.value, data, strict=True):  # type: ignore[union-attr]
        start = node.start_mark.line + 1
        lines = _lines(node)

        def bad(name: str, message: str, *, _lines: dict[str, int] = lines, _start: int = start) -> None:
            problems.append(f"{filename}:{_lines.get(name, _start)}: {name}: {message}")

        if not isinstance(raw, dict):
            problems.append(f"{filename}:{start}: rule: expected a mapping")
            continue
        before = len(problems)
        for name in REQUIRED:
            if name not in raw or raw[name] in (None, "", [], {}):
                bad(name, "is required")
        for name in raw:
            if name not in REQUIRED and name not in OPTIONAL:
                bad(str(name), "unknown field")
        rule_id = raw.get("id")
        if rule_id is not None and (not isinstance(rule_id, str) or not _ID.match(rule_id)):
            bad("id", "use lower-case letters, digits, '.', '_' or '-' (3-81 characters)")
        elif isinstance(rule_id, str):
            if rule_id in seen:
                bad("id", f"duplicate of the rule at line {seen[rule_id]}")
            seen[rule_id] = start
        for text_field in ("condition", "na_if"):
            if raw.get(text_field) is not None and not isinstance(raw[text_field], str):
                bad(text_field, "expected text")
        for text_field in ("title", "expected", "pass", "fail", "remediation", "description"):
            if (
                text_field in raw
                and raw[text_field] is not None
                and not isinstance(raw[text_field], (str, int))
            ):
                bad(text_field, "expected text")
        if "platform" in raw and raw["platform"] not in PLATFORMS:
            bad("platform", f"unknown platform {raw['platform']!r} (one of {', '.join(PLATFORMS)})")
        artefacts = _str_list(raw.get("artefacts"))
        if "artefacts" in raw and artefacts is None:
            bad("artefacts", "expected a list of artefact names")
        artefacts = artefacts or []
        extractions: list[Extraction] = []
        extract = raw.get("extract") or {}
        if not isinstance(extract, dict):
            bad("extract", "expected a mapping NAME: {artefact, regex}")
            extract = {}
        for name, spec in extract.items():
            if not isinstance(name, str) or not _NAME.match(name):
                bad("extract", f"{name!r}: names are UPPER_CASE")
                continue
            if not isinstance(spec, dict) or not isinstance(spec.get("regex"), str):
                bad("extract", f"{name}: needs a regex")
                continue
            unknown = set(spec) - {"artefact", "regex", "many", "default"}
            if unknown:
                bad("extract", f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
            artefact = spec.get("artefact", artefacts[0] if len(artefacts) == 1 else None)
            if artefact not in artefacts:
                bad("extract", f"{name}: artefact {artefact!r} is not listed in artefacts")
                continue
            try:
                re.compile(spec["regex"])
            except re.error as exc:
                bad("extract", f"{name}: bad regex: {exc}")
                continue
            extractions.append(
                Extraction(name, artefact, spec["regex"], bool(spec.get("many", False)), spec.get("default"))
            )
        defined = {e.name for e in extractions}
        for cond_field in ("condition", "na_if"):
            text_value = raw.get(cond_field)
            if not isinstance(text_value, str) or not text_value:
                continue
            try:
                tree = expr.parse(text_value)
            except expr.ExprError as exc:
                bad(cond_field, str(exc))
                continue
            missing = expr.names(tree) - defined
            if missing:
                bad(cond_field, f"unknown name(s) {', '.join(sorted(missing))} (not in extract)")
        for tmpl in ("pass", "fail"):
            if isinstance(raw.get(tmpl), str):
                used = {n for group in _PLACEHOLDER.findall(raw[tmpl]) for n in group.split("|")}
                missing = used - defined
                if missing:
                    bad(tmpl, f"placeholder(s) {', '.join(sorted(missing))} not in extract")
        units: dict[str, tuple[str, ...]] = {}
        if "units" in raw:
            if not isinstance(raw["units"], dict):
                bad("units", "expected a mapping like L3: [L3-CES1-01]")
            else:
                for level, ids in raw["units"].items():
                    unit_ids = _str_list(ids)
                    if level not in LEVELS or unit_ids is None:
                        bad("units", f"{level!r}: expected a level L1-L4 with a list of unit IDs")
                        continue
                    for unit in unit_ids:
                        if not _UNIT.match(unit) or not unit.startswith(level + "-"):
                            bad("units", f"{unit!r} is not a {level} unit ID")
                        elif units_known is not None and unit not in units_known:
                            bad("units", f"{unit!r} is not in the catalogue")
                    units[level] = tuple(unit_ids)
        refs: dict[str, tuple[str, ...]] = {}
        if raw.get("references") is not None:
            if not isinstance(raw["references"], dict):
                bad("references", "expected a mapping like cis: ['5.2.7']")
            else:
                for key, ids in raw["references"].items():
                    ref_ids = _str_list([str(i) for i in ids] if isinstance(ids, list) else str(ids))
                    refs[str(key)] = tuple(ref_ids or ())
        if len(problems) > before:
            continue
        rules.append(
            Rule(
                id=rule_id,  # type: ignore[arg-type]
                title=str(raw["title"]),
                platform=raw["platform"],
                artefacts=tuple(artefacts),
                extract=tuple(extractions),
                condition=raw["condition"],
                expected=str(raw["expected"]),
                units=units,
                pass_text=str(raw["pass"]),
                fail_text=str(raw["fail"]),
                remediation=str(raw["remediation"]),
                references=refs,
                na_if=str(raw.get("na_if") or ""),
                description=str(raw.get("description") or ""),
                source=f"{filename}:{start}",
            )
        )
    if problems:
        raise RuleError(problems)
    return rules


def _catalogue_units() -> set[str]:
    from dengbao.core.catalogue import default

    return {item.id for item in default().items}


def load_file(path: Path, *, known_units: Iterable[str] | None = None) -> list[Rule]:
    return parse_rules(path.read_text(encoding="utf-8"), filename=str(path), known_units=known_units)


def merge(base: Iterable[Rule], overrides: Iterable[Rule]) -> list[Rule]:
    """Agency rules replace built-in ones with the same id and add the rest (in file order)."""
    out = {r.id: r for r in base}
    for rule in overrides:
        out[rule.id] = rule
    return list(out.values())


_LOADED: dict[tuple, list[Rule]] = {}


def load_rules(*, extra: Path | str | None = None, platform: str | None = None) -> list[Rule]:
    """Built-in rules of every platform, then the agency's file (if any) layered on top.

    Parsed once per set of files and their modification times (a bulk import reads them once).
    """
    paths = [*sorted(RULES_DIR.glob("*.yaml")), *([Path(extra)] if extra else [])]
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    if key not in _LOADED:
        known = _catalogue_units()
        rules: list[Rule] = []
        for path in paths[: len(paths) - (1 if extra else 0)]:
            rules.extend(load_file(path, known_units=known))
        if extra:
            rules = merge(rules, load_file(Path(extra), known_units=known))
        _LOADED.clear()
        _LOADED[key] = rules
    rules = list(_LOADED[key])
    if platform is not None:
        rules = [r for r in rules if r.platform == platform]
    return rules
