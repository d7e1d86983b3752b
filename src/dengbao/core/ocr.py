"""Offline OCR of evidence screenshots (rapidocr-onnxruntime, whose models ship inside its wheel).

``read_text(image_bytes)`` checks the image before anything is decoded: its size in bytes,
its format (PNG, JPEG, GIF, WebP, BMP) and its pixel count from the header alone, so a
decompression bomb is refused without being expanded. The engine is loaded once per
process and used by one thread at a time (OCR is CPU-bound, and the ONNX runtime runs on
one core, see ``ENGINE_THREADS``). Nothing is fetched from the network: the models are files
in the package.

The OCR engine is the optional extra ``dengbao[ocr]``; without it ``read_text`` raises
``OcrUnavailable`` with the command that installs it.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass
from typing import Any

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # e.g. 8000 × 5000; a 4K screenshot is 8.3 million
MIN_SIDE = 8
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
INSTALL_HINT = "pip install 'dengbao[ocr]'"
# One ONNX thread: OCR is background work in the web server's process, so it leaves the other
# cores to the pages; ONNX's extra threads also spin while waiting, which costs ~50 % more CPU
# for the same screenshot (benchmarks/ocr.py: 1.5 s of CPU with one thread, 2.2–2.4 s with two).
ENGINE_THREADS = 1

Box = tuple[tuple[float, float], ...]


class ImageRefused(ValueError):
    """Not an image OCR may read, or too large; ``str(exc)`` is the reason in Chinese."""


class OcrUnavailable(RuntimeError):
    """The OCR engine is not installed (or cannot load); the message says how to install it."""


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float  # 0..1, the recogniser's score for this line
    box: Box  # four corners (x, y) in image pixels, clockwise from top-left


@dataclass(frozen=True)
class OcrResult:
    lines: tuple[OcrLine, ...]
    seconds: float
    width: int
    height: int

    @property
    def text(self) -> str:
        """The text row by row, top to bottom: lines side by side (a dialog's label and its value)
        are joined with two spaces, left to right, so a rule can read "密码长度最小值  8个字符"."""
        return "\n".join("  ".join(line.text for line in row) for row in rows(self.lines))

    @property
    def confidence(self) -> float | None:
        """Mean line confidence, weighted by characters; None when nothing was read."""
        total = sum(len(line.text) for line in self.lines)
        if not total:
            return None
        return sum(line.confidence * len(line.text) for line in self.lines) / total


def rows(lines: tuple[OcrLine, ...]) -> list[list[OcrLine]]:
    """Group lines whose vertical centres lie within half a line height of each other."""

    def centre(line: OcrLine) -> float:
        ys = [y for _x, y in line.box]
        return (min(ys) + max(ys)) / 2

    def height(line: OcrLine) -> float:
        ys = [y for _x, y in line.box]
        return max(ys) - min(ys)

    out: list[list[OcrLine]] = []
    for line in sorted(lines, key=centre):
        if out:
            last = out[-1]
            anchor = sum(centre(x) for x in last) / len(last)
            if abs(centre(line) - anchor) <= max(height(line), height(last[0])) / 2:
                last.append(line)
                continue
        out.append([line])
    return [sorted(row, key=lambda line: min(x for x, _y in line.box)) for row in out]


def check_image(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS):
    """Open (header only) an image that passes every bound, or raise ImageRefused."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes:
        raise ImageRefused(f"图片过大：上限 {max_bytes // (1024 * 1024)} MB")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header, decodes nothing
    except Image.DecompressionBombError as exc:  # Pillow's own bound, twice its MAX_IMAGE_PIXELS
        raise ImageRefused(f"图片像素过多：{exc}") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRefused(f"不是可识别的图片（支持 PNG、JPEG、GIF、WebP、BMP）：{exc}") from None
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRefused(f"图片像素过多：{width}×{height}，上限 {max_pixels:,} 像素")
    if min(width, height) < MIN_SIDE:
        raise ImageRefused(f"图片过小：{width}×{height}")
    return image


_engine: Any = None
_engine_lock = threading.Lock()


def available() -> bool:
    """True when the OCR engine can be imported (its models are inside the package)."""
    try:
        with _engine_lock:
            _load()
    except OcrUnavailable:
        return False
    return True


def _load() -> Any:
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]
        except ImportError as exc:  # the extra, or a system library of OpenCV's, is missing
            raise OcrUnavailable(f"未安装离线文字识别引擎（{exc}）：请运行 {INSTALL_HINT}") from None
        _engine = RapidOCR(intra_op_num_threads=ENGINE_THREADS, inter_op_num_threads=ENGINE_THREADS)
    return _engine


def read_text(
    data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS
) -> OcrResult:
    """The text lines in an image, with each line's confidence and box; bounded before decoding."""
    import numpy as np
    from PIL import Image

    image = check_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    started = time.perf_counter()
    try:
        image.seek(0)  # the first frame of an animation
        rgb = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRefused(f"图片无法解码：{exc}") from None
    pixels = np.asarray(rgb)[:, :, ::-1].copy()  # the engine reads OpenCV's BGR order
    with _engine_lock:
        engine = _load()
        found, _elapsed = engine(pixels, use_cls=False)  # screenshots are upright: no 180° check
    lines = tuple(
        OcrLine(
            text=str(text).strip(),
            confidence=round(float(score), 4),
            box=tuple((round(float(x), 1), round(float(y), 1)) for x, y in box),
        )
        for box, text, score in (found or [])
        if str(text).strip()
    )
    return OcrResult(lines, round(time.perf_counter() - started, 3), rgb.width, rgb.height)
