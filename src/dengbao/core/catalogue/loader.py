"""Load and validate the catalogue YAML; every error names file, line and field.

Files under ``data/``:
- ``catalogue.yaml``: name, version and source note of this edition;
- ``l{level}-{part}.yaml``: ``level``, ``part`` and ``items`` (one file per level and part);
- ``high-risk-2025.yaml``: ``cases``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .model import Catalogue, HighRiskCase, Item
from .vocab import CATEGORY_BY_CODE, CATEGORY_ORDER, METHODS, OBJECT_TYPES, PARTS, expected_attribute

DATA_DIR = Path(__file__).parent / "data"
ID_RE = re.compile(r"^L([1-4])-([A-Z]{3})([1-5])-(\d{2})$")
# One file per level and part; a large part may be split, e.g. l3-general-management.yaml.
FILE_RE = re.compile(r"^l([1-4])-(general|cloud|mobile|iot|ics)(?:-[a-z]+)?\.yaml$")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Unit numbers that GB/T 28448-2019 itself skips (see CATALOGUE_NOTES.md); the official
# IDs are kept, so an agency's wording keyed by unit ID lands on the right item.
KNOWN_GAPS = frozenset({"L3-CES1-16", "L3-CMS2-06", "L4-CMS2-06"})


@cache
def _line_loader() -> type:
    """A safe YAML loader that keeps the line of every mapping (as ``__line__``) for error messages.

    Built on first use: a process that finds the compiled cache never imports yaml.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present

    class LineLoader(base):  # type: ignore[misc, valid-type]
        pass

    def construct_mapping(loader: Any, node: Any) -> dict[str, Any]:
        mapping = loader.construct_mapping(node, deep=True)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return LineLoader


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class CatalogueError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:50])
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"catalogue is invalid ({len(problems)} problems):\n{shown}{more}")


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def error(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, field, message))

    def text(self, raw: dict[str, Any], key: str, *, required: bool = True) -> str:
        value = raw.get(key)
        line = raw.get("__line__", 0)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(line, key, "is required")
            return ""
        if not isinstance(value, str):
            self.error(line, key, f"must be text, not {type(value).__name__}")
            return ""
        return value.strip()

    def texts(
        self, raw: dict[str, Any], key: str, *, vocabulary: Iterable[str] | None = None, required: bool = True
    ):
        value = raw.get(key)
        line = raw.get("__line__", 0)
        if value is None or value == []:
            if required:
                self.error(line, key, "is required (a non-empty list)")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(line, key, "must be a list of non-empty texts")
            return ()
        if vocabulary is not None:
            allowed = set(vocabulary)
            for v in value:
                if v not in allowed:
                    self.error(line, key, f"unknown value {v!r}")
        if len(set(value)) != len(value):
            self.error(line, key, "has duplicate values")
        return tuple(v.strip() for v in value)


def _read(path: Path, lines: bool = True) -> Any:
    """The YAML document; with ``lines``, every mapping carries its line (slower: for error messages)."""
    import yaml

    loader = _line_loader() if lines else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loaders only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise CatalogueError(
            [Problem(path.name, line, "(yaml)", str(getattr(exc, "problem", exc)))]
        ) from None


ID_LINE = re.compile(r"^[ \t]*-[ \t]*id:[ \t]*[\"']?([A-Z0-9.-]+)", re.MULTILINE)


def _id_lines(path: Path) -> dict[str, int]:
    """Line of each ``- id:`` entry, found by a text scan (cheap, for the fast path)."""
    text = path.read_text(encoding="utf-8")
    return {m.group(1): text.count("\n", 0, m.start()) + 1 for m in ID_LINE.finditer(text)}


def _items_file(path: Path, check: _Checker, lines: bool = True) -> list[Item]:
    doc = _read(path, lines)
    id_lines = {} if lines else _id_lines(path)
    match = FILE_RE.match(path.name)
    if not isinstance(doc, dict) or match is None:
        check.error(
            1, "(file)", "must be a mapping with level, part and items, named l{level}-{part}[-suffix].yaml"
        )
        return []
    level, part = int(match.group(1)), match.group(2)
    if doc.get("level") != level:
        check.error(doc.get("__line__", 0), "level", f"must be {level} (from the file name)")
    if doc.get("part") != part:
        check.error(doc.get("__line__", 0), "part", f"must be {part!r} (from the file name)")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        check.error(doc.get("__line__", 0), "items", "must be a list")
        return []
    items: list[Item] = []
    next_seq: dict[str, int] = {}
    letters: dict[tuple[str, str], int] = {}
    part_digit = PARTS[part][0]
    for raw in raw_items:
        if not isinstance(raw, dict):
            check.error(doc.get("__line__", 0), "items", "every item must be a mapping")
            continue
        line = raw.get("__line__") or id_lines.get(str(raw.get("id", "")), 0)
        unknown = set(raw) - {
            "__line__", "id", "category", "control_point", "attribute", "letter", "requirement",
            "objects", "methods", "steps", "verdict",
        }  # fmt: skip
        for key in sorted(unknown):
            check.error(line, key, "unknown field")
        item_id = check.text(raw, "id")
        category = check.text(raw, "category")
        control_point = check.text(raw, "control_point")
        m = ID_RE.match(item_id)
        if item_id and m is None:
            check.error(line, "id", f"{item_id!r} is not of the form L3-CES1-01")
        elif m is not None:
            if int(m.group(1)) != level:
                check.error(line, "id", f"{item_id} is not a level-{level} ID")
            if int(m.group(3)) != part_digit:
                check.error(line, "id", f"{item_id} does not carry the {part} digit {part_digit}")
            if m.group(2) != category:
                check.error(line, "id", f"{item_id} does not match category {category!r}")
            expected = next_seq.get(category, 0) + 1
            if f"L{level}-{category}{part_digit}-{expected:02d}" in KNOWN_GAPS:
                expected += 1
            if int(m.group(4)) != expected:
                check.error(line, "id", f"{item_id} out of sequence: expected number {expected:02d}")
            next_seq[category] = int(m.group(4))
        if category and category not in CATEGORY_BY_CODE:
            check.error(line, "category", f"unknown category {category!r}")
        attribute = check.text(raw, "attribute")
        if attribute and attribute not in ("S", "A", "G"):
            check.error(line, "attribute", "must be S, A or G")
        elif part == "general" and attribute and category in CATEGORY_BY_CODE:
            wanted = expected_attribute(category, control_point)
            if attribute != wanted:
                check.error(
                    line, "attribute", f"{control_point} is {wanted} in GB/T 22239 附录A, not {attribute}"
                )
        letter = check.text(raw, "letter")
        key = (category, control_point)
        want_letter = LETTERS[letters.get(key, 0)]
        if letter and letter != want_letter:
            check.error(line, "letter", f"expected {want_letter!r} as the next item of {control_point}")
        letters[key] = letters.get(key, 0) + 1
        steps = check.texts(raw, "steps")
        verdict = check.text(raw, "verdict")
        for message in verdict_problems(steps, verdict):
            check.error(line, "verdict", message)
        items.append(
            Item(
                id=item_id,
                level=level,
                part=part,
                category=category,
                control_point=control_point,
                attribute=attribute,
                letter=letter,
                requirement=check.text(raw, "requirement"),
                objects=check.texts(raw, "objects", vocabulary=OBJECT_TYPES),
                methods=check.texts(raw, "methods", vocabulary=METHODS),
                steps=steps,
                verdict=verdict,
                source=f"{path.name}:{line}",
            )
        )
    return items


STEP_MARK = re.compile(r"^\s*(?:\d+\s*[)）.、]|[（(]\d+[)）]|第\s*\d+\s*步)")
VERDICT_NUMBER = re.compile(r"\d+")


def verdict_problems(steps: tuple[str, ...], verdict: str) -> list[str]:
    """What is wrong with a unit's 单元判定 against its numbered 测评实施 steps.

    Steps are numbered by their position (1, 2, …), so a step must not carry its own
    number. The verdict names 符合 and 不符合; every step number it cites exists; a
    verdict over several steps cites the last one (so no step is left out) and allows
    部分符合, unless it is an any-of rule (“任一步肯定即为符合”), where a partial result
    cannot arise.
    """
    if not steps or not verdict:
        return []
    problems = [f"step {n} carries its own number" for n, s in enumerate(steps, 1) if STEP_MARK.match(s)]
    if "符合" not in verdict or "不符合" not in verdict:
        problems.append("must say when the unit is 符合 and when 不符合")
    cited = [int(n) for n in VERDICT_NUMBER.findall(verdict)]
    if any(n < 1 or n > len(steps) for n in cited):
        problems.append(f"cites a step beyond the {len(steps)} step(s) of the unit")
    if len(steps) > 1:
        if not cited or max(cited) != len(steps):
            problems.append(f"must name the steps that decide the result (1 to {len(steps)})")
        if "部分符合" not in verdict and "任一" not in verdict:
            problems.append("a unit of several steps must allow 部分符合 (unless any one step suffices)")
    return problems


def _high_risk_file(path: Path, check: _Checker, lines: bool = True) -> list[HighRiskCase]:
    doc = _read(path, lines)
    id_lines = {} if lines else _id_lines(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        check.error(1, "cases", "must be a list")
        return []
    cases = []
    for raw in doc["cases"]:
        line = raw.get("__line__") or id_lines.get(str(raw.get("id", "")), 0)
        units = check.texts(raw, "units")
        for unit in units:
            if not ID_RE.match(unit):
                check.error(line, "units", f"{unit!r} is not a unit ID of the form L3-CES1-01")
        min_level = raw.get("min_level")
        if min_level not in (2, 3, 4):
            check.error(line, "min_level", "must be 2, 3 or 4")
            min_level = 2
        part = check.text(raw, "part")
        if part and part not in PARTS:
            check.error(line, "part", f"unknown part {part!r}")
        cases.append(
            HighRiskCase(
                id=check.text(raw, "id"),
                title=check.text(raw, "title"),
                part=part,
                category=check.text(raw, "category"),
                control_point=check.text(raw, "control_point"),
                units=units,
                scope=check.text(raw, "scope"),
                min_level=min_level,
                conditions=check.texts(raw, "conditions", required=False),
                problem=check.text(raw, "problem"),
                mitigations=check.texts(raw, "mitigations", required=False),
                evaluation=check.text(raw, "evaluation", required=False),
                source=f"{path.name}:{line}",
            )
        )
    return cases


def load(data_dir: Path = DATA_DIR, *, use_cache: bool = True) -> Catalogue:
    """The catalogue of a folder: from the compiled cache when its files are unchanged, else parsed.

    The cache is keyed by a hash of every file's name and bytes (and this loader's
    format version), so a changed file is always parsed and validated again.
    """
    files = sorted(data_dir.glob("*.yaml"))
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    cache_file = _cache_dir() / f"catalogue-{digest.hexdigest()[:32]}.json" if use_cache else None
    if cache_file is not None and cache_file.exists():
        try:
            return _from_json(json.loads(cache_file.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt below
    catalogue = parse(data_dir)
    if cache_file is not None:
        _write_cache(cache_file, catalogue)
    return catalogue


CACHE_FORMAT = "dengbao-catalogue-cache-1"


def _cache_dir() -> Path:
    configured = os.environ.get("DENGBAO_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dengbao"


def _write_cache(cache_file: Path, catalogue: Catalogue) -> None:
    data = {
        "name": catalogue.name,
        "version": catalogue.version,
        "source_note": catalogue.source_note,
        "items": [dataclasses.astuple(i) for i in catalogue.items],
        "high_risk": [dataclasses.astuple(c) for c in catalogue.high_risk],
    }
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, cache_file)
    except OSError:
        pass  # no writable cache: every process parses the YAML


def _tuples(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _from_json(data: dict[str, Any]) -> Catalogue:
    items = tuple(Item(*(_tuples(v) for v in row)) for row in data["items"])
    cases = tuple(HighRiskCase(*(_tuples(v) for v in row)) for row in data["high_risk"])
    return Catalogue(
        name=data["name"],
        version=data["version"],
        source_note=data["source_note"],
        items=items,
        high_risk=cases,
    )


def parse(data_dir: Path = DATA_DIR, *, lines: bool = False) -> Catalogue:
    """Read every file of a catalogue folder, validate it all, and raise with every problem found.

    The first pass uses the plain (fast) YAML loader; only when something is wrong is the
    folder read again keeping every mapping's line, so that each message names its line.
    """
    try:
        return _parse(data_dir, lines=lines)
    except CatalogueError:
        if lines:
            raise
        return _parse(data_dir, lines=True)  # raises again, with lines in every message


def _parse(data_dir: Path, *, lines: bool) -> Catalogue:
    problems: list[Problem] = []
    meta_check = _Checker("catalogue.yaml")
    meta = (
        _read(data_dir / "catalogue.yaml", lines)
        if (data_dir / "catalogue.yaml").exists()
        else {"__line__": 1}
    )
    name = meta_check.text(meta, "name")
    version = meta_check.text(meta, "version")
    source_note = meta_check.text(meta, "source_note")
    problems += meta_check.problems
    items: list[Item] = []
    for path in sorted(data_dir.glob("l*.yaml")):
        check = _Checker(path.name)
        items += _items_file(path, check, lines)
        problems += check.problems
    seen: dict[str, str] = {}
    for item in items:
        if item.id in seen:
            file, line = item.source.rsplit(":", 1)
            problems.append(Problem(file, int(line), "id", f"{item.id} is also defined at {seen[item.id]}"))
        seen[item.id] = item.source
    cases: list[HighRiskCase] = []
    hr_path = data_dir / "high-risk-2025.yaml"
    if hr_path.exists():
        check = _Checker(hr_path.name)
        cases = _high_risk_file(hr_path, check, lines)
        problems += check.problems
        # A case names its unit at every level it applies to; units of a level and part
        # this catalogue does not carry yet (e.g. level 4) are checked once that file lands.
        covered = {(item.level, PARTS[item.part][0]) for item in items}
        for case in cases:
            for unit in case.units:
                m = ID_RE.match(unit)
                if m and (int(m.group(1)), int(m.group(3))) in covered and unit not in seen:
                    file, line = case.source.rsplit(":", 1)
                    problems.append(Problem(file, int(line), "units", f"{unit} matches no catalogue item"))
    if problems:
        raise CatalogueError(problems)
    items.sort(key=lambda i: (i.level, PARTS[i.part][0], CATEGORY_ORDER[i.category], i.sequence))
    return Catalogue(
        name=name, version=version, source_note=source_note, items=tuple(items), high_risk=tuple(cases)
    )


@cache
def default() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load()
