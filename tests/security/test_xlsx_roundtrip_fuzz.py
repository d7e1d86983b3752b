"""Property-based fuzzing of the checklist's Excel round trip on a CI budget (issue #13, adversarial suite).

The property and the generators are ``fuzz/xlsx_roundtrip.py``; this runs them for a few
seconds. A long run: ``python fuzz/xlsx_roundtrip.py --seconds 600`` (see fuzz/README.md).
The three examples below are what the fuzzer found first; each failed before the fix.
"""

from __future__ import annotations

import io
import zipfile

from fuzz import xlsx_roundtrip as target
from hypothesis import HealthCheck, given, settings

from dengbao.core import checklist_xlsx as cx


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(target.tampered())
def test_a_tampered_checklist_is_read_or_refused_with_checklist_error_only(data):
    target.check_one(data)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(target.checklist_rows())
def test_an_untouched_export_reads_back_unchanged(rows):
    target.check_round_trip(rows)


def _row(**fields) -> cx.ChecklistRow:
    values = dict(
        record_id=1, version=3, object_name="HIS-DB", object_type="数据库管理系统", unit_id="L3-CES1-01",
        category="安全计算环境", control_point="身份鉴别", requirement="应对登录的用户进行身份标识和鉴别",
        steps=("核查",), result="符合", note="", methods=("核查",), na_reason="",
    )  # fmt: skip
    values.update(fields)
    return cx.ChecklistRow(**values)


def test_a_note_with_a_control_character_exports_and_comes_back_as_no_change():
    """Before: openpyxl's IllegalCharacterError escaped the export (a 500 on the page)."""
    row = _row(note="口令\x1b长度 8 位\x07")
    edits = cx.read_checklist(io.BytesIO(target.write([row])), key=target.KEY, expect=target.META)
    assert edits[0].content.note == "口令长度 8 位" and not edits[0].edited
    changes, unchanged, conflicts = cx.diff({1: cx.RecordState(version=3, content=row.content)}, edits)
    assert (changes, unchanged, conflicts) == ([], 1, [])


def test_text_that_starts_with_an_apostrophe_or_looks_like_an_error_value_round_trips():
    """Before: "'=1+1" came back as "=1+1", and a reason "#N/A" was read as an error cell and refused."""
    row = _row(note="'=1+1 与 ''@x", result="不适用", na_reason="#N/A")
    data = target.write([row])
    edits = cx.read_checklist(io.BytesIO(data), key=target.KEY, expect=target.META)
    assert edits[0].content == row.content and not edits[0].edited
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b't="e"' not in sheet  # neither a formula nor an error in the file
