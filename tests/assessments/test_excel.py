"""The offline Excel round trip: export, fill without network, import with a preview, apply."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from dengbao.assessments import excel, services
from dengbao.assessments.models import ResultRecord
from dengbao.audit.models import AuditEvent
from dengbao.core import checklist_xlsx as cx
from tests.assessments.helpers import HARM3
from tests.assessments.helpers import graded as _graded

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def assessment(world_a):
    his = _graded(world_a, "HIS", HARM3, HARM3)
    return services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[his]
    )


@pytest.fixture
def objects(world_a, assessment):
    assessor = world_a.members["assessor"]
    db = services.object_add(actor=assessor, assessment=assessment, kind="数据库管理系统", name="HIS-DB")
    os_ = services.object_add(
        actor=assessor, assessment=assessment, kind="服务器/操作系统", name="HIS/App:01"
    )
    return db, os_


def _base(assessment) -> str:
    return f"/projects/proj-a/assessments/{assessment.pk}/excel/"


def _export(client, assessment, obj=None):
    url = _base(assessment) + (f"?object={obj.pk}" if obj is not None else "")
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def _row_of(sheet, unit_id: str) -> int:
    for row in sheet.iter_rows(min_row=cx.HEADER_ROW + 1):
        if row[1].value == unit_id:
            return row[0].row
    raise AssertionError(f"{unit_id} not in {sheet.title}")


def _fill(sheet, unit_id: str, *, result=None, note=None, methods=None, na_reason=None) -> None:
    r = _row_of(sheet, unit_id)
    for column, value in (("G", result), ("H", note), ("I", methods), ("J", na_reason)):
        if value is not None:
            sheet[f"{column}{r}"] = value


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, assessment, content: bytes, name: str = "filled.xlsx"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(_base(assessment) + "import/", {"file": upload})


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form"
    return match.group(1)


# --- the round trip through the pages -------------------------------------------------------------


def test_round_trip_previews_exactly_the_changes_and_applies_them(world_a, assessment, objects, login):
    db, os_ = objects
    client = login(world_a.members["assessor"])
    wb = _export(client, assessment)
    assert [ws.title for ws in wb.worksheets] == ["HIS-DB", "HIS_App_01", "meta"]
    assert wb["meta"].sheet_state == "hidden"
    sheet = wb["HIS-DB"]
    assert sheet.freeze_panes == "A4"
    assert [sheet.column_dimensions[c].hidden for c in "KLMN"] == [True] * 4
    assert any(
        "部分符合" in (dv.formula1 or "") and "G4" in str(dv.sqref)
        for dv in sheet.data_validations.dataValidation
    )
    assert sheet.max_row - cx.HEADER_ROW == db.results.count()

    _fill(sheet, "L3-CES1-01", result="部分符合", note="口令长度 8 位，未定期更换", methods="核查、测试")
    _fill(sheet, "L3-CES1-02", result="符合", methods="核查")
    _fill(wb["HIS_App_01"], "L3-CES1-01", result="不适用", na_reason="该服务器不提供远程管理")
    response = _upload(client, assessment, _bytes(wb))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="change"') == 3
    assert "3 项更改" in page and "0 项冲突" in page
    assert "部分符合" in page and "口令长度 8 位" in page and "该服务器不提供远程管理" in page
    assert ResultRecord.objects.exclude(result="").count() == 0  # a preview changes nothing

    response = client.post(_base(assessment) + "import/confirm/", {"token": _token(response)})
    assert response.status_code == 302
    a = db.results.get(unit_id="L3-CES1-01")
    assert (a.result, a.note, a.methods, a.version) == (
        "部分符合",
        "口令长度 8 位，未定期更换",
        ["核查", "测试"],
        1,
    )
    assert (db.results.get(unit_id="L3-CES1-02").result, db.results.get(unit_id="L3-CES1-02").version) == (
        "符合",
        1,
    )
    na = os_.results.get(unit_id="L3-CES1-01")
    assert (na.result, na.na_reason, na.version) == ("不适用", "该服务器不提供远程管理", 1)
    assert ResultRecord.objects.exclude(result="").count() == 3
    event = AuditEvent.objects.get(action="result.bulk_update")
    assert event.details["count"] == 3 and "filled.xlsx" in event.details["source"]
    assert AuditEvent.objects.filter(action="result.export", project_id=world_a.project.pk).count() == 1


def test_a_spent_or_foreign_token_applies_nothing(world_a, assessment, objects, login):
    db, _ = objects
    assessor, manager = world_a.members["assessor"], world_a.members["manager"]
    client = login(assessor)
    wb = _export(client, assessment, db)
    _fill(wb.worksheets[0], "L3-CES1-01", result="不符合")
    token = _token(_upload(client, assessment, _bytes(wb)))
    # another member of the project cannot confirm the assessor's preview
    response = login(manager).post(_base(assessment) + "import/confirm/", {"token": token})
    assert response.status_code == 400 and "已失效" in response.content.decode()
    assert client.post(_base(assessment) + "import/confirm/", {"token": token}).status_code == 302
    record = db.results.get(unit_id="L3-CES1-01")
    assert (record.result, record.version) == ("不符合", 1)
    response = client.post(_base(assessment) + "import/confirm/", {"token": token})
    assert response.status_code == 400 and "已失效" in response.content.decode()
    bogus = client.post(_base(assessment) + "import/confirm/", {"token": "../../secret_key"})
    assert bogus.status_code == 400
    assert db.results.get(unit_id="L3-CES1-01").version == 1


def test_import_page_offers_the_exports_and_the_upload(world_a, assessment, objects, login):
    client = login(world_a.members["assessor"])
    page = client.get(_base(assessment) + "import/").content.decode()
    assert f'href="{_base(assessment)}"' in page and 'type="file"' in page
    assert all(f'<option value="{o.pk}">' in page for o in objects)
    response = client.post(_base(assessment) + "import/", {})
    assert response.status_code == 400 and "请选择要导入的 .xlsx 文件" in response.content.decode()


def test_unchanged_file_previews_no_change_and_offers_no_confirm(world_a, assessment, objects, login):
    client = login(world_a.members["assessor"])
    response = _upload(client, assessment, _bytes(_export(client, assessment)))
    page = response.content.decode()
    assert response.status_code == 200 and "0 项更改" in page and 'name="token"' not in page


# --- conflicts ------------------------------------------------------------------------------------


def test_conflicting_edit_is_reported_and_nothing_is_applied(world_a, assessment, objects, login):
    db, _ = objects
    assessor, manager = world_a.members["assessor"], world_a.members["manager"]
    client = login(assessor)
    wb = _export(client, assessment, db)
    record = db.results.get(unit_id="L3-CES1-01")
    services.result_record(
        actor=manager, record=record, value="符合", note="现场核查通过", methods=[], version=0
    )
    _fill(wb.worksheets[0], "L3-CES1-01", result="不符合", note="未启用口令复杂度")
    _fill(wb.worksheets[0], "L3-CES1-02", result="符合")  # an edit that does not conflict
    response = _upload(client, assessment, _bytes(wb))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="conflict"') == 1 and "1 项冲突" in page
    assert "现场核查通过" in page and manager.username in page and "未启用口令复杂度" in page
    assert 'name="token"' not in page  # cannot be confirmed
    record.refresh_from_db()
    assert (record.result, record.note, record.version) == ("符合", "现场核查通过", 1)
    assert db.results.get(unit_id="L3-CES1-02").result == ""


def test_a_row_left_untouched_keeps_what_somebody_else_recorded_meanwhile(
    world_a, assessment, objects, login
):
    db, _ = objects
    client = login(world_a.members["assessor"])
    wb = _export(client, assessment, db)
    other = db.results.get(unit_id="L3-CES1-03")
    services.result_record(
        actor=world_a.members["manager"], record=other, value="不符合", note="", methods=[], version=0
    )
    _fill(wb.worksheets[0], "L3-CES1-01", result="符合")
    response = _upload(client, assessment, _bytes(wb))
    page = response.content.decode()
    assert page.count('class="change"') == 1 and "0 项冲突" in page
    assert client.post(_base(assessment) + "import/confirm/", {"token": _token(response)}).status_code == 302
    other.refresh_from_db()
    assert (other.result, other.version) == ("不符合", 1)
    assert db.results.get(unit_id="L3-CES1-01").result == "符合"


def test_change_between_preview_and_confirm_fails_the_whole_batch(world_a, assessment, objects, login):
    db, _ = objects
    client = login(world_a.members["assessor"])
    wb = _export(client, assessment, db)
    _fill(wb.worksheets[0], "L3-CES1-01", result="不符合")
    _fill(wb.worksheets[0], "L3-CES1-02", result="不符合")
    token = _token(_upload(client, assessment, _bytes(wb)))
    record = db.results.get(unit_id="L3-CES1-02")
    services.result_record(
        actor=world_a.members["manager"], record=record, value="符合", note="", methods=[], version=0
    )
    response = client.post(_base(assessment) + "import/confirm/", {"token": token})
    assert response.status_code == 409
    assert "L3-CES1-02" in response.content.decode() and 'id="conflicts"' in response.content.decode()
    assert db.results.get(unit_id="L3-CES1-01").result == ""  # all or nothing
    assert db.results.get(unit_id="L3-CES1-02").result == "符合"


# --- formula injection ----------------------------------------------------------------------------


def test_formula_in_a_note_is_neutralised_on_export_and_survives_the_round_trip(
    world_a, assessment, objects, login
):
    db, _ = objects
    payload = "=cmd|' /C calc'!A0"
    record = db.results.get(unit_id="L3-CES1-01")
    services.result_record(
        actor=world_a.members["assessor"], record=record, value="不符合", note=payload, methods=[], version=0
    )
    client = login(world_a.members["assessor"])
    content = client.get(_base(assessment) + f"?object={db.pk}").content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cell = sheet[f"H{_row_of(sheet, 'L3-CES1-01')}"]
    assert cell.data_type == "s" and cell.value == "'" + payload
    # the same file imported back changes nothing: the apostrophe is ours, not the assessor's
    page = _upload(client, assessment, content).content.decode()
    assert "0 项更改" in page


def test_formula_typed_into_an_editable_cell_is_refused(world_a, assessment, objects, login):
    db, _ = objects
    client = login(world_a.members["assessor"])
    wb = _export(client, assessment, db)
    sheet = wb.worksheets[0]
    r = _row_of(sheet, "L3-CES1-01")
    sheet[f"H{r}"] = '=HYPERLINK("http://evil","x")'
    response = _upload(client, assessment, _bytes(wb))
    assert response.status_code == 400
    assert f"工作表“HIS-DB” 第 {r} 行：“结果记录”列是公式" in response.content.decode()


# --- bad files ------------------------------------------------------------------------------------


def test_bad_files_get_messages_naming_sheet_and_row(world_a, assessment, objects, login):
    db, _ = objects
    client = login(world_a.members["assessor"])

    response = _upload(client, assessment, b"%PDF-1.7 not a spreadsheet", name="report.xlsx")
    assert response.status_code == 400 and "不是 Excel .xlsx 文件" in response.content.decode()

    stranger = Workbook()
    stranger.active.append(["测评单元编号", "符合情况"])
    response = _upload(client, assessment, _bytes(stranger))
    assert response.status_code == 400 and "缺少 meta 工作表" in response.content.decode()

    wb = _export(client, assessment, db)
    sheet = wb.worksheets[0]
    bad_value, tampered, no_reason = (_row_of(sheet, u) for u in ("L3-CES1-01", "L3-CES1-02", "L3-CES1-03"))
    sheet[f"G{bad_value}"] = "基本符合"
    sheet[f"K{tampered}"] = sheet[f"K{tampered}"].value + 1
    sheet[f"G{no_reason}"] = "不适用"
    response = _upload(client, assessment, _bytes(wb))
    page = response.content.decode()
    assert response.status_code == 400
    assert f"工作表“HIS-DB” 第 {bad_value} 行：未知的结果“基本符合”" in page
    assert f"工作表“HIS-DB” 第 {tampered} 行：隐藏列 record_id / version 与校验值不符" in page
    assert f"工作表“HIS-DB” 第 {no_reason} 行：选择“不适用”时须" in page
    assert not ResultRecord.objects.exclude(result="").exists()


def test_a_file_of_another_assessment_is_refused(world_a, assessment, objects, login):
    client = login(world_a.members["assessor"])
    content = _bytes(_export(client, assessment))
    other = services.assessment_create(
        actor=world_a.members["manager"],
        project=world_a.project,
        name="另一个",
        systems=list(assessment.systems.all()),
    )
    response = _upload(client, other, content)
    assert response.status_code == 400 and "不是从本测评的当前轮次导出的" in response.content.decode()


def test_oversize_upload_is_refused(world_a, assessment, objects, login, settings):
    client = login(world_a.members["assessor"])
    content = _bytes(_export(client, assessment))
    settings.DENGBAO_MAX_UPLOAD_BYTES = 1024
    response = _upload(client, assessment, content)
    assert response.status_code == 413 and "上传内容过大" in response.content.decode()
    with pytest.raises(ValidationError, match="文件过大"):  # the service checks too, whoever calls it
        excel.import_preview(
            actor=world_a.members["assessor"],
            assessment=assessment,
            stream=io.BytesIO(content),
            filename="x.xlsx",
            size=len(content),
        )


# --- who may -------------------------------------------------------------------------------------


def test_client_contact_may_neither_export_nor_import(world_a, assessment, objects, login):
    client = login(world_a.members["client"])
    assert client.get(_base(assessment)).status_code == 403
    assert client.get(_base(assessment) + "import/").status_code == 403
    assert _upload(client, assessment, b"PK").status_code == 403
    assert client.post(_base(assessment) + "import/confirm/", {"token": "x" * 32}).status_code == 403
    assert not AuditEvent.objects.filter(action="result.export").exists()


def test_reviewer_may_export_but_not_import(world_a, assessment, objects, login):
    client = login(world_a.members["reviewer"])
    assert client.get(_base(assessment)).status_code == 200
    assert client.get(_base(assessment) + "import/").status_code == 403


def test_foreign_project_member_gets_404(world_a, world_b, assessment, objects, login):
    db, _ = objects
    client = login(world_b.members["assessor"])
    assert client.get(_base(assessment)).status_code == 404
    assert client.get(_base(assessment) + f"?object={db.pk}").status_code == 404
    assert client.get(_base(assessment) + "import/").status_code == 404
    assert client.post(_base(assessment) + "import/confirm/", {"token": "x" * 32}).status_code == 404


def test_an_object_of_another_assessment_is_not_found(world_a, assessment, objects, login):
    client = login(world_a.members["assessor"])
    assert client.get(_base(assessment) + "?object=999999").status_code == 404
    assert client.get(_base(assessment) + "?object=abc").status_code == 404


# --- the pure core --------------------------------------------------------------------------------


def _row(record_id: int, obj: str = "DB", **content) -> cx.ChecklistRow:
    values = {"result": "", "note": "", "methods": (), "na_reason": ""} | content
    return cx.ChecklistRow(
        record_id=record_id,
        version=0,
        object_name=obj,
        object_type="数据库管理系统",
        unit_id=f"L3-CES1-{record_id:02d}",
        category="安全计算环境",
        control_point="身份鉴别",
        requirement="a）要求",
        steps=("核查",),
        **{k: values[k] for k in ("result", "note", "methods", "na_reason")},
    )


def _written(rows, key=b"k", meta=None) -> io.BytesIO:
    stream = io.BytesIO()
    cx.write_checklist(rows, stream, title="T", meta=meta or {"assessment_id": "1"}, key=key)
    stream.seek(0)
    return stream


def test_sheet_names_are_valid_and_unique():
    names = cx.sheet_names(["a/b:c", "A/B:C", "x" * 40, "x" * 40, "meta", "'quoted'", "History", "[]"])
    assert names[0] == "a_b_c" and names[1] == "A_B_C~2"
    assert all(len(n) <= 31 for n in names) and len({n.casefold() for n in names}) == len(names)
    assert names[4] != "meta" and names[5] == "quoted" and names[6].casefold() != "history"
    assert not any(set(n) & set("[]:*?/\\") for n in names)


def test_read_back_an_untouched_file_gives_the_exported_content():
    rows = [_row(1, note="-- 见附件", methods=("测试", "访谈")), _row(2, result="不适用", na_reason="无")]
    edits = cx.read_checklist(_written(rows), key=b"k", expect={"assessment_id": "1"})
    assert [(e.record_id, e.content, e.edited) for e in edits] == [
        (1, cx.make_content("", "-- 见附件", ("访谈", "测试"), ""), False),
        (2, cx.make_content("不适用", "", (), "无"), False),
    ]
    with pytest.raises(cx.ChecklistError, match="不是从本测评"):
        cx.read_checklist(_written(rows), key=b"k", expect={"assessment_id": "2"})
    with pytest.raises(cx.ChecklistError, match="校验值不符"):
        cx.read_checklist(_written(rows), key=b"another key")


def test_reader_reports_duplicates_added_rows_and_too_many_rows():
    wb = load_workbook(_written([_row(1), _row(2), _row(3)]))
    sheet = wb["DB"]
    for col in range(1, 15):  # row 5 becomes a copy of row 4
        sheet.cell(row=5, column=col).value = sheet.cell(row=4, column=col).value
    sheet.append([None, "L3-CES1-99", None, None, None, None, "符合"])  # a row typed in by hand
    with pytest.raises(cx.ChecklistError) as caught:
        cx.read_checklist(io.BytesIO(_bytes(wb)), key=b"k")
    assert caught.value.problems == [
        "工作表“DB” 第 5 行：记录 1 重复（另见工作表“DB” 第 4 行）",
        "工作表“DB” 第 7 行：该行没有隐藏的记录编号：新增或复制来的行不能导入，请勿增删行",
    ]
    with pytest.raises(cx.ChecklistError, match="超过 2 行"):
        cx.read_checklist(_written([_row(1), _row(2), _row(3)]), key=b"k", max_rows=2)


def test_a_far_away_cell_does_not_make_the_reader_walk_a_million_rows():
    wb = load_workbook(_written([_row(1)]))
    wb["DB"]["H1000000"] = "x"
    with pytest.raises(cx.ChecklistError, match=f"超过 {cx.MAX_ROWS} 行"):
        cx.read_checklist(io.BytesIO(_bytes(wb)), key=b"k")


def test_an_assessment_without_objects_exports_an_empty_sheet_that_imports_cleanly():
    edits = cx.read_checklist(_written([]), key=b"k")
    assert edits == [] and cx.diff({}, edits) == ([], 0, [])


def test_diff_separates_changes_untouched_rows_and_conflicts():
    exported = {n: cx.RecordState(0, cx.make_content("", "", (), "")) for n in (1, 2, 3, 4)}
    edits = cx.read_checklist(_written([_row(n) for n in (1, 2, 3, 4)]), key=b"k")
    filled = [
        cx.RowEdit(e.sheet, e.row, e.record_id, e.version, e.base, cx.make_content("符合", "", (), ""))
        if e.record_id in (1, 3)
        else e
        for e in edits
    ]
    now = dict(exported)
    now[2] = cx.RecordState(1, cx.make_content("不符合", "他人", (), ""))  # moved on, untouched in the file
    now[3] = cx.RecordState(1, cx.make_content("不符合", "他人", (), ""))  # moved on, edited in the file
    changes, unchanged, conflicts = cx.diff(now, filled)
    assert [c.record_id for c in changes] == [1] and changes[0].after.result == "符合"
    assert unchanged == 2
    assert [(c.record_id, c.mine.result, c.current.result) for c in conflicts] == [(3, "符合", "不符合")]
    now[3] = cx.RecordState(1, cx.make_content("符合", "", (), ""))  # both made the same edit
    assert cx.diff(now, filled)[1:] == (3, [])
    del now[4]
    with pytest.raises(cx.ChecklistError, match="记录 4 不属于本测评"):
        cx.diff(now, filled)
