"""Pictures put in after Jinja has run: each marker a template printed becomes its picture.

The template only ever saw a marker string (plain.py); here, outside the template, the
marker's run is split and the picture — scaled to the page — takes its place, with the run's
formatting. Body, headers and footers are searched.
"""

from __future__ import annotations

import copy
import struct
import zlib
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.parts.story import StoryPart
from docx.section import Section
from docx.shared import Emu

from .errors import DocumentError
from .plain import PICTURE_MARKER, picture_marker

# An image never takes more than this share of the page's text height, so a tall
# topology picture still leaves room for its caption.
MAX_IMAGE_HEIGHT_SHARE = 0.6
# A template that prints a marker more often than this is refused: each copy costs work here,
# outside the template's limits.
MAX_PLACEMENTS = 200


def check_pictures(pictures: dict[str, tuple[Path, str]]) -> None:
    """Every picture exists and is an image python-docx can place (before any rendering)."""
    for path, where in pictures.values():
        if not path.is_file():
            raise DocumentError(f"图片“{where}”的文件不存在：{path}")
        try:
            Image.from_file(str(path))
        except UnrecognizedImageError as exc:
            raise DocumentError(
                f"图片“{where}”不是可识别的图片格式（PNG、JPEG、GIF、BMP、TIFF）：{path}"
            ) from exc


def place_pictures(docx: bytes, pictures: dict[str, tuple[Path, str]]) -> bytes:
    """``docx`` with every picture marker replaced by its picture."""
    if not pictures:
        return docx
    document = Document(BytesIO(docx))
    text_width, text_height = _text_area(document.sections[0])
    placed = 0
    for part in _story_parts(document):
        for t in list(part.element.iter(qn("w:t"))):
            if not t.text or PICTURE_MARKER.search(t.text) is None:
                continue
            pieces = PICTURE_MARKER.split(t.text)  # text, number, text, number, …, text
            placed += len(pieces) // 2
            if placed > MAX_PLACEMENTS:
                raise DocumentError(f"模板放置的图片超过 {MAX_PLACEMENTS} 处")
            segments: list = []
            for i, piece in enumerate(pieces):
                if i % 2 == 0:
                    segments.append(piece)
                    continue
                mark = picture_marker(int(piece))
                if mark not in pictures:
                    segments.append(mark)  # a marker the template made up: left as text
                    continue
                path, _ = pictures[mark]
                width = _width(path, text_width, text_height)
                segments.append(part.new_pic_inline(str(path), Emu(width), None))
            _split_run(t, segments)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _story_parts(document) -> list[StoryPart]:
    parts = [document.part]
    for rel in document.part.rels.values():
        if not rel.is_external and isinstance(rel.target_part, StoryPart):
            if rel.target_part not in parts:
                parts.append(rel.target_part)
    return parts


def _text_area(section: Section) -> tuple[int, int]:
    """(width, height) inside the margins, in EMU; a section that leaves a size out is refused."""
    width, left, right = section.page_width, section.left_margin, section.right_margin
    height, top, bottom = section.page_height, section.top_margin, section.bottom_margin
    if width is None or left is None or right is None or height is None or top is None or bottom is None:
        raise DocumentError("模板第一节未给出页面尺寸或页边距，无法放置图片")
    return width - left - right, height - top - bottom


def _width(path: Path, text_width: int, text_height: int) -> int:
    image = Image.from_file(str(path))
    width = min(image.width, text_width)
    max_height = int(text_height * MAX_IMAGE_HEIGHT_SHARE)
    if image.height and width * image.height / image.width > max_height:
        width = int(max_height * image.width / image.height)
    return int(width)


def _split_run(t, segments: list) -> None:
    """Replace the text ``t`` by runs: text segments as text, inline pictures as drawings."""
    run = t.getparent()
    if run.tag != qn("w:r"):
        t.text = "".join(s for s in segments if isinstance(s, str))
        return
    r_pr = run.find(qn("w:rPr"))
    tail = list(t.itersiblings())  # what followed the text in its run (a tab, a break…)
    new_runs = []
    for segment in segments:
        if isinstance(segment, str) and not segment:
            continue
        new = OxmlElement("w:r")
        if r_pr is not None:
            new.append(copy.deepcopy(r_pr))
        if isinstance(segment, str):
            text = OxmlElement("w:t")
            text.text = segment
            text.set(qn("xml:space"), "preserve")
            new.append(text)
        else:
            drawing = OxmlElement("w:drawing")
            drawing.append(segment)
            new.append(drawing)
        new_runs.append(new)
    if tail:
        rest = OxmlElement("w:r")
        if r_pr is not None:
            rest.append(copy.deepcopy(r_pr))
        for element in tail:
            rest.append(element)
        new_runs.append(rest)
    run.remove(t)
    anchor = run
    for new in new_runs:
        anchor.addnext(new)
        anchor = new
    if all(child.tag == qn("w:rPr") for child in run):
        run.getparent().remove(run)


def sample_png(path: Path, *, width: int = 320, height: int = 200) -> Path:
    """Write a small striped PNG (no matplotlib needed) for template checks, and return its path."""
    rows = b"".join(
        b"\x00" + bytes((40, 90 + (y * 120) // height, 160)) * width
        if (y // 20) % 2
        else b"\x00" + b"\xf0" * 3 * width
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path
