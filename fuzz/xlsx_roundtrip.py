"""Fuzzing the Excel round trip of the checklist (core/checklist_xlsx.py).

A checklist is written with ``write_checklist`` from generated rows (any text an assessor
could type: formula-like starts, apostrophes, CJK, emoji, newlines, very long notes), then
tampered with as an assessor, a spreadsheet program or an attacker could: cells set to
any value and type (formulas, numbers, dates, booleans, errors), rows added and removed,
sheets renamed, copied and removed, meta values changed, the zip cut or spliced with
bytes, or replaced by random bytes. ``read_checklist`` and ``diff`` must then either
answer or refuse with ``ChecklistError``; any other exception is a crash.

    .venv/bin/python fuzz/xlsx_roundtrip.py --seconds 600

The bounded CI run is tests/security/test_xlsx_roundtrip_fuzz.py (same property).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from openpyxl import load_workbook  # noqa: E402
from openpyxl.cell.cell import MergedCell  # noqa: E402

from dengbao.core import checklist_xlsx as cx  # noqa: E402

KEY = b"fuzz-key"
META = {"assessment": "7", "round": "1"}

# Text an assessor types, and text that broke spreadsheet code before.
TRICKY = [
    "=1+1", "+1", "-1", "@SUM(A1)", "'=1+1", "'", "''", "\t=x", " =x", "\r\n", "=cmd|' /C calc'!A0",
    "符合", "部分符合", "不适用", "访谈、核查、测试", "访谈,测试", "0", "1e5", "007", "TRUE", "#N/A",
    "😀", "\u200b", "\ufeff", "a" * 6000, "&amp;", "<b>", "]]>",
]  # fmt: skip
# Any text, control characters included: the platform's forms accept them, a cell cannot hold them
_TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)


@st.composite
def checklist_rows(draw) -> list[cx.ChecklistRow]:
    count = draw(st.integers(0, 6))
    objects = draw(st.lists(_TEXT, min_size=1, max_size=3))
    rows = []
    for n in range(count):
        result = draw(st.sampled_from([*cx.RESULTS, ""]))  # the database holds no other
        reason = draw(_TEXT)[: cx.REASON_MAX - 2]
        if result == cx.NOT_APPLICABLE:
            reason = "理由" + reason  # the platform requires one for 不适用
        rows.append(
            cx.ChecklistRow(
                record_id=n + 1,
                version=draw(st.integers(0, 5)),
                object_name=draw(st.sampled_from(objects)),
                object_type=draw(st.sampled_from(["服务器/操作系统", "数据库管理系统", ""])),
                unit_id=f"L3-CES1-{n:02d}",
                category="安全计算环境",
                control_point="身份鉴别",
                requirement=draw(_TEXT),
                steps=tuple(draw(st.lists(_TEXT, max_size=2))),
                result=result,
                note=draw(_TEXT)[: cx.NOTE_MAX],  # the lengths the forms allow
                methods=tuple(draw(st.lists(st.sampled_from(["访谈", "核查", "测试"]), max_size=3))),
                na_reason=reason,
            )
        )
    return rows


_CELL_VALUE = st.one_of(
    st.none(),
    _TEXT,
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 1, 1)),
    st.sampled_from(["=A1", "=1/0", "=SUM(K4:K9)", '=HYPERLINK("http://x")', "#DIV/0!"]),
    st.sampled_from(["00000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", "1", "-1"]),
)


def write(rows: list[cx.ChecklistRow]) -> bytes:
    """The file as exported; writing must not fail for any text the platform holds."""
    out = io.BytesIO()
    cx.write_checklist(rows, out, title="渗透 · 等保", meta=META, key=KEY)
    return out.getvalue()


def _clean_for_excel(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


@st.composite
def tampered(draw) -> bytes:
    """A written checklist, then edited as a workbook and/or damaged as bytes."""
    rows = draw(checklist_rows())
    data = write(rows)
    if draw(st.booleans()):
        wb = load_workbook(io.BytesIO(data))
        for _ in range(draw(st.integers(0, 8))):
            sheet = draw(st.sampled_from(wb.worksheets))
            action = draw(
                st.sampled_from(["cell", "cell", "cell", "insert", "delete", "rename", "copy", "drop"])
            )
            if action == "cell":
                row = draw(st.integers(1, max(sheet.max_row, 1) + 2))
                col = draw(st.integers(1, len(cx.COLUMNS) + 1))
                value = draw(_CELL_VALUE)
                cell = sheet.cell(row=row, column=col)
                if not isinstance(
                    cell, MergedCell
                ):  # the title rows: Excel would not let one type there either
                    cell.value = _clean_for_excel(value) if isinstance(value, str) else value
            elif action == "insert":
                sheet.insert_rows(draw(st.integers(1, sheet.max_row + 1)), draw(st.integers(1, 3)))
            elif action == "delete":
                sheet.delete_rows(draw(st.integers(1, sheet.max_row + 1)), draw(st.integers(1, 3)))
            elif action == "rename":
                sheet.title = draw(st.sampled_from(["meta", "Sheet", "x" * 31, "测评作业表2"])) + str(
                    len(wb.worksheets)
                )
            elif action == "copy":
                wb.copy_worksheet(sheet)
            elif len(wb.worksheets) > 1:
                wb.remove(sheet)
        out = io.BytesIO()
        try:
            wb.save(out)
            data = out.getvalue()
        except ValueError:  # openpyxl will not save what Excel could not either (only a hidden sheet left)
            pass
    if draw(st.integers(0, 4)) == 0:
        cut = draw(st.integers(0, 2**20)) % (len(data) + 1)  # a file's size varies (it holds the time)
        data = data[:cut] + draw(st.binary(max_size=64)) + data[cut + draw(st.integers(0, 200)) :]
    if draw(st.integers(0, 20)) == 0:
        data = draw(st.binary(max_size=2048))
    return data


def check_one(data: bytes) -> None:
    """Read ``data`` and diff it against records at their exported state; only ChecklistError may escape."""
    try:
        edits = cx.read_checklist(io.BytesIO(data), key=KEY, expect=META)
        current = {e.record_id: cx.RecordState(version=e.version, content=e.content) for e in edits}
        cx.diff(current, edits)
        cx.diff({}, edits)
    except cx.ChecklistError:
        pass


def check_round_trip(rows: list[cx.ChecklistRow]) -> None:
    """An untouched export reads back as it was written: same records, nothing edited."""
    edits = cx.read_checklist(io.BytesIO(write(rows)), key=KEY, expect=META)
    assert sorted((e.record_id, e.version) for e in edits) == [(r.record_id, r.version) for r in rows]
    for edit in edits:
        assert not edit.edited, edit
    current = {r.record_id: cx.RecordState(version=r.version, content=r.content) for r in rows}
    changes, unchanged, conflicts = cx.diff(current, edits)
    assert (changes, unchanged, conflicts) == ([], len(rows), []), (changes, conflicts)


def run(seconds: float) -> int:
    deadline = time.monotonic() + seconds
    crashed: list[bytes] = []

    @settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(tampered())
    def fuzz(data: bytes) -> None:
        try:
            check_one(data)
        except Exception:
            crashed.append(data)
            raise

    @settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(checklist_rows())
    def round_trip(rows: list[cx.ChecklistRow]) -> None:
        check_round_trip(rows)

    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        try:
            round_trip()
            fuzz()
        except Exception:
            traceback.print_exc()
            if crashed:
                path = Path(tempfile.mkstemp(prefix="dengbao-fuzz-xlsx-", suffix=".xlsx")[1])
                path.write_bytes(crashed[-1])
                print(f"crash, input saved to {path}")
            return 1
    print(f"no crash in {rounds * 200} examples ({seconds:.0f} s)")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    sys.exit(run(args.seconds))


if __name__ == "__main__":
    main()
