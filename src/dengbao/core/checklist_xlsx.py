"""The offline round trip of an assessment checklist: write it to Excel, read it back, diff it.

An assessor exports an object's (or the whole assessment's) results, fills them on a
laptop without network and imports the file again. Each row carries four hidden cells:
the record's id and version, a digest of the content as exported ("base") and a keyed
check over the three. The check catches an edited id or version; the base tells a row
the assessor changed offline from one left as it was, so a value somebody else
recorded meanwhile is kept rather than reported as a conflict when the file never
touched that row.

Pure: no Django. The caller supplies the rows, the meta data and the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from dengbao.core.catalogue.export import procedure_text
from dengbao.core.catalogue.vocab import METHODS
from dengbao.core.spreadsheet import neutralise
from dengbao.core.ziplimits import ZipRefused, check_zip

RESULTS: tuple[str, ...] = ("符合", "部分符合", "不符合", "不适用")
NOT_APPLICABLE = "不适用"
FORMAT = "dengbao-checklist"
FORMAT_VERSION = "1"
META_SHEET = "meta"
MAX_ROWS = 100_000
MAX_PROBLEMS = 100
NOTE_MAX, REASON_MAX = 5000, 2000
HEADER_ROW = 3

# (key, header, width); the last four are hidden.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("seq", "序号", 6),
    ("unit", "测评单元编号", 14),
    ("category", "安全类", 14),
    ("control_point", "控制点", 14),
    ("requirement", "测评指标", 40),
    ("steps", "测评实施", 48),
    ("result", "符合情况", 11),
    ("note", "结果记录", 42),
    ("methods", "测评方法", 14),
    ("na_reason", "不适用理由", 26),
    ("record_id", "record_id", 10),
    ("version", "version", 8),
    ("base", "base", 10),
    ("check", "check", 10),
)
HIDDEN = ("record_id", "version", "base", "check")
EDITABLE = ("result", "note", "methods", "na_reason")
HEADER_OF = {key: header for key, header, _ in COLUMNS}
HELP = (
    "只填写“符合情况”“结果记录”“测评方法”“不适用理由”四列（浅黄色）；测评方法用顿号分隔（访谈、核查、测试）。"
    "请勿修改隐藏列，勿在这四列中使用公式。"
)

_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_METHOD_SPLIT = re.compile(r"[、,，;；/\s]+")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


class ChecklistError(ValueError):
    """The file cannot be imported; ``problems`` name each sheet and row at fault."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Content:
    """What an assessor records for one result, normalised so that equal means equal."""

    result: str = ""
    note: str = ""
    methods: tuple[str, ...] = ()
    na_reason: str = ""


def make_content(result: str, note: str, methods: Iterable[str], na_reason: str) -> Content:
    """Canonical form: trimmed text, Unix newlines, methods in standard order, a reason only for 不适用."""
    result = (result or "").strip()
    chosen = set(methods)
    return Content(
        result=result,
        note=_clean(note),
        methods=tuple(m for m in METHODS if m in chosen),
        na_reason=_clean(na_reason) if result == NOT_APPLICABLE else "",
    )


def content_digest(content: Content) -> str:
    payload = json.dumps(
        [content.result, content.note, list(content.methods), content.na_reason], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def row_check(key: bytes, record_id: int, version: int, base: str) -> str:
    return hmac.new(key, f"{record_id}:{version}:{base}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class ChecklistRow:
    """One result as exported: where it is, what it asks, what has been recorded so far."""

    record_id: int
    version: int
    object_name: str
    object_type: str
    unit_id: str
    category: str
    control_point: str
    requirement: str
    steps: tuple[str, ...]
    result: str
    note: str
    methods: tuple[str, ...]
    na_reason: str
    verdict: str = ""  # 单元判定, printed under the numbered steps

    @property
    def content(self) -> Content:
        return make_content(self.result, self.note, self.methods, self.na_reason)


@dataclass(frozen=True)
class RowEdit:
    """One row read back from a filled file."""

    sheet: str
    row: int
    record_id: int
    version: int  # the version it was exported at
    base: str  # digest of the content as exported
    content: Content

    @property
    def edited(self) -> bool:
        """Whether the assessor changed this row in the file."""
        return content_digest(self.content) != self.base


@dataclass(frozen=True)
class RecordState:
    version: int
    content: Content


@dataclass(frozen=True)
class Change:
    record_id: int
    version: int
    sheet: str
    row: int
    before: Content
    after: Content


@dataclass(frozen=True)
class Conflict:
    """Edited in the file and, differently, by somebody else since the export."""

    record_id: int
    sheet: str
    row: int
    exported_version: int
    current_version: int
    mine: Content
    current: Content


# --- writing --------------------------------------------------------------------------------------


def sheet_names(names: Iterable[str]) -> list[str]:
    """A valid, unique Excel sheet name for each name (≤31 chars, no []:*?/\\, case-insensitive)."""
    used = {META_SHEET.casefold(), "history"}
    out = []
    for name in names:
        base = _FORBIDDEN_IN_SHEET_NAME.sub("_", name).strip().strip("'") or "对象"
        candidate, n = base[:31].strip("'") or "对象", 2
        while candidate.casefold() in used:
            suffix = f"~{n}"
            candidate, n = base[: 31 - len(suffix)].strip("'") + suffix, n + 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def write_checklist(
    rows: Sequence[ChecklistRow],
    stream: BinaryIO,
    *,
    title: str,
    meta: Mapping[str, str],
    key: bytes = b"",
) -> int:
    """Write one sheet per object (in the order objects first appear) and a hidden meta sheet."""
    groups: dict[tuple[str, str], list[ChecklistRow]] = {}
    for row in rows:
        groups.setdefault((row.object_name, row.object_type), []).append(row)
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the default sheet of a new workbook
    if not groups:
        _write_object_sheet(wb.create_sheet("测评作业表"), [], title=title, key=key)
    names = sheet_names(name for name, _ in groups)
    for sheet_name, ((obj, kind), group) in zip(names, groups.items(), strict=True):
        heading = f"{title} · {obj}（{kind}）" if kind else f"{title} · {obj}"
        _write_object_sheet(wb.create_sheet(sheet_name), group, title=heading, key=key)
    info = wb.create_sheet(META_SHEET)
    for k, v in [("format", FORMAT), ("format_version", FORMAT_VERSION), ("title", title), *meta.items()]:
        info.append([_to_cell(str(k)), _to_cell(str(v))])
    info.sheet_state = "hidden"
    wb.active = 0
    wb.save(stream)
    return len(rows)


def _write_object_sheet(sheet, rows: Sequence[ChecklistRow], *, title: str, key: bytes) -> None:
    width = len(COLUMNS)
    sheet.append([_to_cell(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width - len(HIDDEN))
    sheet.append([HELP])
    sheet["A2"].font = Font(color="7F7F7F")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width - len(HIDDEN))
    sheet.append([header for _, header, _ in COLUMNS])
    for idx, (name, _, col_width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=idx)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.width = col_width
        dimension.hidden = name in HIDDEN
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    editable = [i for i, (name, _, _) in enumerate(COLUMNS, start=1) if name in EDITABLE]
    for number, row in enumerate(rows, start=1):
        content = _storable(row.content)  # what the file can hold is what it is compared with
        base = content_digest(content)
        values: list[Any] = [
            number,
            row.unit_id,
            row.category,
            row.control_point,
            row.requirement,
            procedure_text(row.steps, row.verdict),
            content.result,
            content.note,
            "、".join(content.methods),
            content.na_reason,
            row.record_id,
            row.version,
            base,
            row_check(key, row.record_id, row.version, base),
        ]
        sheet.append([_to_cell(v) for v in values])
        r = sheet.max_row
        for col in range(1, width + 1):
            cell = sheet.cell(row=r, column=col)
            cell.alignment, cell.border = _WRAP, _BORDER
            if col in editable:
                cell.fill = _EDIT_FILL
    result_col = sheet.cell(row=HEADER_ROW, column=_index("result") + 1).column_letter
    validation = DataValidation(type="list", formula1='"' + ",".join(RESULTS) + '"', allow_blank=True)
    validation.error = "请选择：符合 / 部分符合 / 不符合 / 不适用（或留空）"
    validation.errorTitle = "符合情况"
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    validation.add(f"{result_col}{HEADER_ROW + 1}:{result_col}{max(sheet.max_row, HEADER_ROW + 1)}")
    last = sheet.cell(row=HEADER_ROW, column=width - len(HIDDEN)).column_letter
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(sheet.max_row, HEADER_ROW)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"


def _to_cell(value: Any) -> Any:
    """A value as the file holds it: text without the control characters XML cannot carry,
    made inert for spreadsheets (``neutralise``) so that ``_from_cell`` gives it back exactly.

    A text that starts with apostrophes before a formula start gets one more apostrophe,
    so "'=1" (typed with its apostrophe) does not read back as "=1"; "#N/A" typed as text
    is written "'#N/A" so that it stays text.
    """
    if not isinstance(value, str) or not value:
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if _would_neutralise(value.lstrip("'")) else value


def _from_cell(text: str) -> str:
    """Undo ``_to_cell``: "'=1+1" was written for "=1+1", "''=1" for "'=1"; "'abc" was typed as is."""
    if text.startswith("'") and _would_neutralise(text[1:].lstrip("'")):
        return text[1:]
    return text


def _would_neutralise(text: str) -> bool:
    """Whether a cell would not keep ``text`` as plain text: a formula start, or an error
    value such as "#N/A" (which openpyxl stores as an error, not as text)."""
    return bool(text) and (neutralise(text) != text or text in ERROR_CODES)


def _storable(content: Content) -> Content:
    """``content`` without what a cell cannot hold (XML-illegal control characters)."""

    def clean(text: str) -> str:
        return ILLEGAL_CHARACTERS_RE.sub("", text)

    return make_content(clean(content.result), clean(content.note), content.methods, clean(content.na_reason))


def _index(key: str) -> int:
    return next(i for i, (name, _, _) in enumerate(COLUMNS) if name == key)


# --- reading --------------------------------------------------------------------------------------


class _Problems:
    """The problems found so far, and the rows read so far (blank ones too: they cost time)."""

    def __init__(self, max_rows: int) -> None:
        self.items: list[str] = []
        self.rows, self.max_rows = 0, max_rows

    def count_row(self) -> None:
        self.rows += 1
        if self.rows > self.max_rows:
            raise ChecklistError([f"文件过大：超过 {self.max_rows} 行，请按测评对象分别导出、导入"])

    def add(self, sheet: str, row: int | None, message: str) -> None:
        where = f"工作表“{sheet}”" + (f" 第 {row} 行" if row else "")
        self.items.append(f"{where}：{message}")
        if len(self.items) >= MAX_PROBLEMS:
            self.items.append(f"问题过多，仅列出前 {MAX_PROBLEMS} 个。")
            raise ChecklistError(self.items)


def read_checklist(
    stream: BinaryIO,
    *,
    key: bytes = b"",
    expect: Mapping[str, str] | None = None,
    max_rows: int = MAX_ROWS,
) -> list[RowEdit]:
    """Every data row of every object sheet, validated; raises ChecklistError listing all problems.

    ``expect`` names meta values the file must carry (say, the assessment it was exported from).
    Sheets without the hidden ``record_id`` header (a scratch sheet of the assessor's) are skipped.
    """
    _check_container(stream)
    try:
        wb = load_workbook(stream, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for a damaged file
        raise ChecklistError(["无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式"]) from None
    try:
        meta = _read_meta(wb)
        for k, want in (expect or {}).items():
            if meta.get(k) != want:
                got = meta.get(k, "")
                raise ChecklistError(
                    [f"该文件不是从本测评的当前轮次导出的（{k} 为“{got}”，应为“{want}”），请重新导出"]
                )
        problems = _Problems(max_rows)
        edits: list[RowEdit] = []
        seen: dict[int, RowEdit] = {}  # record ID → the first row that edits it
        sheets = 0
        for sheet in wb.worksheets:
            found = _header(sheet) if sheet.title != META_SHEET else None
            if found is None:
                continue
            sheets += 1
            for edit in _read_sheet(sheet, found, key=key, problems=problems):
                if edit.record_id in seen:
                    other = seen[edit.record_id]
                    problems.add(
                        edit.sheet,
                        edit.row,
                        f"记录 {edit.record_id} 重复（另见工作表“{other.sheet}” 第 {other.row} 行）",
                    )
                    continue
                seen[edit.record_id] = edit
                edits.append(edit)
        if problems.items:
            raise ChecklistError(problems.items)
        if not sheets:
            raise ChecklistError(["文件中没有测评作业表（找不到带隐藏列 record_id 的表头）"])
        return edits
    finally:
        wb.close()


def _check_container(stream: BinaryIO) -> None:
    """The zip limits (core/ziplimits.py), then an .xlsx's parts, before openpyxl sees it."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ChecklistError(
            ["该文件不是 Excel .xlsx 文件（请用“另存为 Excel 工作簿 (.xlsx)”保存）"]
        ) from None
    finally:
        stream.seek(0)
    try:
        check_zip(stream)
    except ZipRefused as exc:
        raise ChecklistError([str(exc)]) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ChecklistError(["该文件不是 Excel .xlsx 文件（压缩包中没有工作簿）"])


def _read_meta(wb) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        raise ChecklistError(["该文件不是本平台导出的测评作业表（缺少 meta 工作表），请先导出再填写"])
    meta: dict[str, str] = {}
    for n, row in enumerate(wb[META_SHEET].iter_rows(max_col=2, values_only=True)):
        if n > 200:
            break
        if row and row[0] is not None:
            meta[_from_cell(_text(row[0]))] = _from_cell(_text(row[1] if len(row) > 1 else None))
    if meta.get("format") != FORMAT:
        raise ChecklistError(["该文件不是本平台导出的测评作业表（meta 工作表无法识别）"])
    if meta.get("format_version") != FORMAT_VERSION:
        raise ChecklistError([f"不支持的作业表版本“{meta.get('format_version', '')}”，请重新导出"])
    return meta


def _header(sheet) -> tuple[int, dict[str, int]] | None:
    """(header row number, column index by key) when the sheet is one of ours."""
    for number, row in enumerate(sheet.iter_rows(max_row=10, max_col=64, values_only=True), start=1):
        labels = [_text(v).strip() for v in row]
        if HEADER_OF["record_id"] in labels:
            return number, {k: labels.index(h) for k, h in HEADER_OF.items() if h in labels}
    return None


def _read_sheet(
    sheet, found: tuple[int, dict[str, int]], *, key: bytes, problems: _Problems
) -> Iterable[RowEdit]:
    name = sheet.title
    header_row, columns = found
    missing = [HEADER_OF[k] for k in (*HIDDEN, *EDITABLE) if k not in columns]
    if missing:
        problems.add(name, header_row, f"表头缺少列：{'、'.join(missing)}")
        return
    width = max(columns.values()) + 1
    for number, cells in enumerate(
        sheet.iter_rows(min_row=header_row + 1, max_col=width), start=header_row + 1
    ):
        problems.count_row()
        cells = tuple(cells) + (None,) * (width - len(cells))
        by_key = {k: cells[i] for k, i in columns.items() if k in (*HIDDEN, *EDITABLE)}
        if all(_value(c) in (None, "") for c in by_key.values()):
            continue
        edit = _read_row(name, number, by_key, key=key, problems=problems)
        if edit is not None:
            yield edit


def _read_row(name: str, number: int, cells: dict, *, key: bytes, problems: _Problems) -> RowEdit | None:
    before = len(problems.items)
    texts: dict[str, str] = {}
    for k in EDITABLE:
        cell = cells[k]
        kind = getattr(cell, "data_type", None)
        if kind == "f":
            problems.add(name, number, f"“{HEADER_OF[k]}”列是公式，请改为直接填写文字")
        elif kind == "e":
            problems.add(name, number, f"“{HEADER_OF[k]}”列是错误值 {_value(cell)}，请改为直接填写文字")
        texts[k] = _from_cell(_text(_value(cell)))
    record_id = _integer(_value(cells["record_id"]), minimum=1)
    version = _integer(_value(cells["version"]), minimum=0)
    base = _text(_value(cells["base"])).strip()
    check = _text(_value(cells["check"])).strip()
    if not any(_value(cells[k]) not in (None, "") for k in HIDDEN):
        problems.add(name, number, "该行没有隐藏的记录编号：新增或复制来的行不能导入，请勿增删行")
    elif record_id is None or version is None or not _HEX32.match(base) or not _HEX32.match(check):
        problems.add(name, number, "隐藏列（record_id / version / base / check）缺失或被改动，请勿修改隐藏列")
    elif not hmac.compare_digest(check, row_check(key, record_id, version, base)):
        problems.add(name, number, "隐藏列 record_id / version 与校验值不符（已被改动），请重新导出后填写")
    result = texts["result"].strip()
    if result and result not in RESULTS:
        problems.add(name, number, f"未知的结果“{result}”：只能填 符合 / 部分符合 / 不符合 / 不适用，或留空")
    if result == NOT_APPLICABLE and not texts["na_reason"].strip():
        problems.add(name, number, "选择“不适用”时须在“不适用理由”列填写理由")
    methods = [m for m in _METHOD_SPLIT.split(texts["methods"]) if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        problems.add(name, number, f"未知的测评方法：{'、'.join(unknown)}（只能是 访谈、核查、测试）")
    if len(texts["note"]) > NOTE_MAX:
        problems.add(name, number, f"“结果记录”过长：最多 {NOTE_MAX} 字")
    if len(texts["na_reason"]) > REASON_MAX:
        problems.add(name, number, f"“不适用理由”过长：最多 {REASON_MAX} 字")
    if len(problems.items) > before or record_id is None or version is None:
        return None
    content = make_content(result, texts["note"], methods, texts["na_reason"])
    return RowEdit(sheet=name, row=number, record_id=record_id, version=version, base=base, content=content)


def _value(cell: Any) -> Any:
    return getattr(cell, "value", None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _integer(value: Any, *, minimum: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value >= minimum else None


def _clean(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


# --- diffing --------------------------------------------------------------------------------------


def diff(
    current: Mapping[int, RecordState], edits: Iterable[RowEdit]
) -> tuple[list[Change], int, list[Conflict]]:
    """(changes to apply, rows with nothing to do, conflicts) of a file against the records now.

    A row equal to the record is unchanged. A row whose record has not moved since the
    export is a change. A record that moved on is a conflict only when the file edited
    that row too, and differently; an untouched row leaves the newer value alone.
    Raises ChecklistError for rows whose record is not among ``current``.
    """
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    unchanged = 0
    foreign: list[str] = []
    for edit in edits:
        state = current.get(edit.record_id)
        if state is None:
            foreign.append(
                f"工作表“{edit.sheet}” 第 {edit.row} 行：记录 {edit.record_id} 不属于本测评的当前轮次"
            )
        elif edit.content == state.content or not edit.edited:
            # not edited: left as exported (newer values and what a cell could not hold stay)
            unchanged += 1
        elif state.version == edit.version:
            changes.append(
                Change(edit.record_id, edit.version, edit.sheet, edit.row, state.content, edit.content)
            )
        else:
            conflicts.append(
                Conflict(
                    edit.record_id,
                    edit.sheet,
                    edit.row,
                    edit.version,
                    state.version,
                    edit.content,
                    state.content,
                )
            )
    if foreign:
        raise ChecklistError(foreign[:MAX_PROBLEMS])
    return changes, unchanged, conflicts
