"""The catalogue as the Excel checklist assessors work from (测评作业表)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dengbao.core.spreadsheet import neutralise

from .model import Catalogue, Item
from .vocab import CATEGORY_BY_CODE, PARTS
from .wording import Wording

COLUMNS = (
    ("序号", 7),
    ("测评单元编号", 14),
    ("安全类", 14),
    ("控制点", 16),
    ("测评指标", 48),
    ("测评对象", 22),
    ("测评实施", 60),
    ("结果记录", 40),
    ("符合情况", 11),
    ("分值", 8),
)
RESULTS = ("符合", "部分符合", "不符合", "不适用")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def procedure_text(steps: Sequence[str], verdict: str = "") -> str:
    """A 测评实施 cell: the numbered steps, then the 单元判定 that names them."""
    lines = [f"{n}) {step}" for n, step in enumerate(steps, start=1)]
    if verdict:
        lines.append(f"单元判定：{verdict}")
    return "\n".join(lines)


def write_checklist(
    items: Sequence[Item],
    stream: BinaryIO,
    *,
    catalogue: Catalogue,
    title: str,
    wording: Mapping[str, Wording] | None = None,
) -> int:
    """Write ``items`` as a checklist workbook to ``stream``; returns the number of rows written."""
    wording = wording or {}
    wb = Workbook()
    sheet = wb.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "测评作业表"
    sheet.append([neutralise(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([neutralise(f"{catalogue.name}，版本 {catalogue.version}；共 {len(items)} 项")])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    sheet.append([name for name, _ in COLUMNS])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for idx, (_, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=3, column=idx)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(idx)].width = width
    sheet.freeze_panes = "A4"
    validation = DataValidation(type="list", formula1='"' + ",".join(RESULTS) + '"', allow_blank=True)
    validation.error = "请选择：符合 / 部分符合 / 不符合 / 不适用"
    sheet.add_data_validation(validation)
    for number, item in enumerate(items, start=1):
        own = wording.get(item.id)
        requirement = own.requirement if own and own.requirement else item.requirement
        steps = own.steps if own and own.steps else item.steps
        verdict = own.verdict if own and own.verdict else item.verdict
        category = CATEGORY_BY_CODE[item.category].name
        if item.part != "general":
            category = f"{category}（{PARTS[item.part][1].removesuffix('安全扩展要求')}扩展）"
        row = [
            number,
            item.id,
            category,
            item.control_point,
            f"{item.letter}）{requirement}",
            "、".join(item.objects),
            procedure_text(steps, verdict),
            "",
            "",
            None,
        ]
        sheet.append([neutralise(v) for v in row])
        r = sheet.max_row
        for col in range(1, len(COLUMNS) + 1):
            cell = sheet.cell(row=r, column=col)
            cell.alignment = _WRAP
            cell.border = _BORDER
        validation.add(f"I{r}")
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    wb.save(stream)
    return len(items)
