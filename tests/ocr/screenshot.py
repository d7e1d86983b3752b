"""A 1920×1080 screenshot of a Windows-like password policy dialog, drawn here (tests and benchmark).

The text is drawn with a CJK font of the machine (Debian's fonts-noto-cjk); without one the
caller gets a clear error instead of an image OCR cannot read.
"""

from __future__ import annotations

import io
import subprocess
from functools import cache

from PIL import Image, ImageDraw, ImageFont

# (policy, setting) rows of the dialog, as Windows' 本地安全策略 shows them.
ROWS = (
    ("密码必须符合复杂性要求", "已启用"),
    ("密码长度最小值", "8 个字符"),
    ("密码最长使用期限", "42 天"),
    ("账户锁定阈值", "5 次无效登录"),
    ("Minimum password length", "8 characters"),
)


@cache
def cjk_font_path() -> str:
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True, check=False
        ).stdout
    except FileNotFoundError:
        out = ""
    paths = [line.split(":", 1)[0] for line in out.splitlines() if line.strip()]
    sans = [p for p in paths if "Sans" in p] or paths
    if not sans:
        raise RuntimeError("no Chinese font found (fc-list :lang=zh is empty): install fonts-noto-cjk")
    return sorted(sans)[0]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size)


def policy_dialog_png(
    rows: tuple[tuple[str, str], ...] = ROWS, *, size: tuple[int, int] = (1920, 1080)
) -> bytes:
    """A desktop with one dialog listing ``rows`` in two columns, as PNG bytes."""
    image = Image.new("RGB", size, (0, 90, 158))  # a desktop background
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = 360, 200, 1560, 860
    draw.rectangle((left, top, right, bottom), fill=(255, 255, 255), outline=(120, 120, 120), width=2)
    draw.rectangle((left, top, right, top + 48), fill=(240, 240, 240))
    draw.text((left + 20, top + 10), "本地安全策略 Local Security Policy", font=_font(24), fill=(0, 0, 0))
    draw.text((left + 40, top + 80), "策略", font=_font(24), fill=(60, 60, 60))
    draw.text((left + 700, top + 80), "安全设置", font=_font(24), fill=(60, 60, 60))
    draw.line((left + 20, top + 120, right - 20, top + 120), fill=(200, 200, 200), width=1)
    body = _font(26)
    for n, (policy, setting) in enumerate(rows):
        y = top + 150 + n * 64
        draw.text((left + 40, y), policy, font=body, fill=(0, 0, 0))
        draw.text((left + 700, y), setting, font=body, fill=(0, 0, 0))
    for x, label in ((right - 320, "确定"), (right - 170, "取消")):
        draw.rectangle((x, bottom - 70, x + 130, bottom - 26), fill=(225, 225, 225), outline=(120, 120, 120))
        draw.text((x + 40, bottom - 64), label, font=_font(24), fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
