"""Pages of a PDF as PNG pictures, for previewing a document in the browser (pypdfium2)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# PDFium is not thread-safe: one rendering at a time in this process.
_lock = threading.Lock()


class PreviewError(ValueError):
    """The PDF cannot be read or has no such page."""


@contextmanager
def _opened(pdf: bytes) -> Iterator:
    import pypdfium2 as pdfium

    with _lock:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise PreviewError(f"PDF 无法读取：{exc}") from exc
        try:
            yield document
        finally:
            document.close()


def page_count(pdf: bytes) -> int:
    with _opened(pdf) as document:
        return len(document)


def page_png(pdf: bytes, index: int, *, width: int = 900) -> bytes:
    """Page ``index`` (0-based) rendered ``width`` pixels wide, as PNG bytes."""
    with _opened(pdf) as document:
        if not 0 <= index < len(document):
            raise PreviewError(f"没有第 {index + 1} 页（共 {len(document)} 页）")
        page = document[index]
        image = page.render(scale=width / page.get_width()).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def is_blank(png: bytes, *, threshold: int = 250) -> bool:
    """True when every pixel is (nearly) white: a page that rendered nothing."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    darkest, _ = image.getextrema()
    assert isinstance(darkest, int)  # one band ("L"): (lowest, highest) pixel value
    return darkest >= threshold
