"""Cells for spreadsheets we hand out: formula-injection neutralisation and CSV for Excel/WPS.

A cell that Excel, WPS or LibreOffice would read as a formula (``=cmd|' /C calc'!A0``,
``@SUM(...)``, ``+1+1``) runs when the recipient opens the file. Every export that
writes user-supplied text into a spreadsheet passes each cell through ``neutralise``;
the leading apostrophe makes the spreadsheet show the text as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

# What a spreadsheet takes as the start of a formula (or of a DDE payload).
FORMULA_STARTS = frozenset("=+-@\t\r")

UTF8_BOM = "\ufeff"


def neutralise(value: Any) -> Any:
    """The value, with a text that a spreadsheet would evaluate prefixed by a single quote.

    Leading whitespace does not protect: spreadsheets skip it, so `` =1+1`` is a formula
    too. Tab and carriage return count as formula starts themselves (they are what
    CSV-injection payloads use to slip past naive checks). Numbers, None and other
    non-text values are returned unchanged: ``-5`` as a number is not a formula.
    """
    if not isinstance(value, str) or not value:
        return value
    for char in value:
        if char in FORMULA_STARTS:
            return "'" + value
        if not char.isspace():
            return value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in values]


def csv_chunks(rows: Iterable[Iterable[Any]], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """Rows as CSV in UTF-8 with a byte-order mark (so Excel and WPS read Chinese right).

    Every cell is neutralised; None becomes an empty cell. Yields bytes in chunks, so an
    HTTP response or a file can stream a large export without holding it in memory.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(UTF8_BOM)
    pending = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in neutralise_row(row)])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


class TableError(ValueError):
    """A spreadsheet that cannot be read at all (wrong type, damaged file)."""


def read_rows(stream: BinaryIO, filename: str) -> Iterator[list[Any]]:
    """Rows of an .xlsx (first sheet, formulas as written) or .csv (UTF-8, with or without BOM) file."""
    from pathlib import Path

    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield from csv.reader(text)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise TableError(f"无法读取 CSV 文件：{exc}（请用 UTF-8 编码保存）") from None
        return
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        from dengbao.core.ziplimits import ZipRefused, check_zip

        try:
            check_zip(stream)  # sizes, member count, compression ratio: before openpyxl opens it
        except ZipRefused as exc:
            raise TableError(f"无法读取 Excel 文件：{exc}") from None
        try:
            workbook = load_workbook(stream, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise TableError(f"无法读取 Excel 文件：{exc} (cannot read the workbook)") from None
        try:
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()
        return
    raise TableError(f"不支持的文件类型 {suffix or '(无)'}：请使用 .xlsx 或 .csv")
