"""Zip bombs for the tests: small files that declare (and really expand to) a great deal."""

from __future__ import annotations

import zipfile
from pathlib import Path

MB = 1024 * 1024

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def bomb(
    path: Path, member: str, *, expands_to: int = 520 * MB, parts: dict[str, bytes] | None = None
) -> Path:
    """A zip whose ``member`` is ``expands_to`` bytes of one repeated byte (deflate, level 9:
    about 1,000 times smaller), next to the small ``parts`` that make it look like Office."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as out:
            block = b" " * MB
            head = b'<?xml version="1.0"?><worksheet><sheetData>'
            out.write(head)
            for _ in range((expands_to - len(head)) // MB):
                out.write(block)
    return path


def xlsx_bomb(path: Path) -> Path:
    return bomb(path, "xl/worksheets/sheet1.xml", parts={"xl/workbook.xml": b"<workbook/>"})


def docx_bomb(path: Path) -> Path:
    return bomb(path, "word/document.xml", parts={"word/styles.xml": b"<styles/>"})
