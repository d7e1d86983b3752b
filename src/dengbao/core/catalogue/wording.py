"""An agency's own wording of the catalogue, keyed by unit ID.

Many agencies keep the standard's official text in their own 作业指导书. They import
it as a spreadsheet (Excel or CSV) with one row per test unit; its requirement text
and steps then replace ours on screen and in documents. The import is all or
nothing: every problem is reported by row number and nothing is applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .model import Catalogue

HEADERS = {
    "id": ("测评单元编号", "编号", "单元编号", "id", "unit", "unit_id"),
    "requirement": ("测评指标", "要求项", "requirement"),
    "steps": ("测评实施", "steps"),
    "verdict": ("单元判定", "判定", "verdict"),
}
STEP_NUMBER = re.compile(r"^\s*(?:\d+[)）.、]|[（(]\d+[)）])\s*")
MAX_ROWS = 20000
MAX_CELL = 10000


@dataclass(frozen=True)
class Wording:
    unit_id: str
    requirement: str
    steps: tuple[str, ...]
    verdict: str
    row: int


class WordingError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems[:50]))


def split_steps(cell: str) -> tuple[str, ...]:
    """One step per line; a leading '1)' or '（1）' is dropped."""
    steps = [STEP_NUMBER.sub("", line).strip() for line in cell.splitlines()]
    return tuple(s for s in steps if s)


def _column_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for idx, name in enumerate(header):
        key = (name or "").strip().lower()
        for field, names in HEADERS.items():
            if key in names and field not in found:
                found[field] = idx
    return found


def parse_rows(rows: Iterable[list[object]], catalogue: Catalogue) -> list[Wording]:
    """Validate rows (first row = header) against the catalogue; raise WordingError listing every problem."""
    iterator: Iterator[list[object]] = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise WordingError(["文件为空 (the file is empty)"])
    columns = _column_map([str(h) if h is not None else "" for h in header])
    problems: list[str] = []
    if "id" not in columns:
        raise WordingError(["第 1 行：缺少“测评单元编号”列 (row 1: no unit ID column)"])
    if "requirement" not in columns and "steps" not in columns:
        raise WordingError(
            ["第 1 行：至少需要“测评指标”或“测评实施”列 (row 1: no requirement or steps column)"]
        )
    seen: dict[str, int] = {}
    out: list[Wording] = []
    for number, row in enumerate(iterator, start=2):
        if number > MAX_ROWS + 1:
            problems.append(f"行数超过上限 {MAX_ROWS} (more than {MAX_ROWS} rows)")
            break
        cells = ["" if v is None else str(v) for v in row]

        def cell(field: str, cells: list[str] = cells) -> str:
            idx = columns.get(field)
            return cells[idx].strip() if idx is not None and idx < len(cells) else ""

        if not any(c.strip() for c in cells):
            continue
        values = {f: cell(f) for f in HEADERS}
        for field, value in values.items():
            if value.startswith("="):
                problems.append(
                    f"第 {number} 行 {field}：不接受公式 (row {number}: formulas are not accepted)"
                )
            if len(value) > MAX_CELL:
                problems.append(
                    f"第 {number} 行 {field}：内容过长 (row {number}: cell longer than {MAX_CELL})"
                )
        unit_id = values["id"].upper()
        if not unit_id:
            problems.append(f"第 {number} 行：测评单元编号为空 (row {number}: empty unit ID)")
            continue
        if unit_id not in catalogue.by_id:
            problems.append(f"第 {number} 行：未知的测评单元编号 {unit_id} (row {number}: unknown unit ID)")
            continue
        if unit_id in seen:
            first = seen[unit_id]
            problems.append(
                f"第 {number} 行：{unit_id} 与第 {first} 行重复 (row {number}: duplicates row {first})"
            )
            continue
        seen[unit_id] = number
        out.append(
            Wording(
                unit_id=unit_id,
                requirement=values["requirement"],
                steps=split_steps(values["steps"]),
                verdict=values["verdict"],
                row=number,
            )
        )
    if problems:
        raise WordingError(problems)
    if not out:
        raise WordingError(["文件中没有数据行 (no data rows)"])
    return out


def read_table(stream: BinaryIO, filename: str) -> Iterator[list[object]]:
    """Rows of an .xlsx (first sheet) or .csv file; an unreadable file is a WordingError."""
    from dengbao.core.spreadsheet import TableError, read_rows

    try:
        yield from read_rows(stream, filename)
    except TableError as exc:
        raise WordingError([str(exc)]) from None
