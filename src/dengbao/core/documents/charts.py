"""Charts for the documents: PNG files drawn with matplotlib in a CJK font.

Only matplotlib's object API is used (``Figure`` + the Agg canvas, never ``pyplot``), so
several documents can be drawn at once from the background threads. When no CJK font is
installed the charts are still drawn, with a warning: the Chinese labels then show as boxes
(install Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger("dengbao.documents")

# Preferred families, best first: what Debian, Windows and macOS install for Simplified Chinese.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)

# The result colours used on the platform's pages, so a printed chart reads like the screen.
RESULT_COLOURS = {
    "符合": "#4e9a52",
    "部分符合": "#e0a526",
    "不符合": "#c8463d",
    "不适用": "#9e9e9e",
}
SERIES_COLOURS = ("#5b8ff9", "#f6903d", "#61ddaa", "#7262fd", "#78d3f8", "#9661bc")

_font_lock = threading.Lock()
_font: str | None = None
_font_checked = False


def cjk_font() -> str | None:
    """The CJK font family matplotlib will use, or None (with one warning) when there is none."""
    global _font, _font_checked
    with _font_lock:
        if _font_checked:
            return _font
        os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "dengbao-matplotlib"))
        from matplotlib import font_manager

        _font = _find(font_manager)
        if _font is None:
            # The font cache may predate the fonts: look at the files themselves once.
            for path in font_manager.findSystemFonts():
                if "cjk" in Path(path).name.lower() or "wqy" in Path(path).name.lower():
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError):
                        continue
            _font = _find(font_manager)
        if _font is None:
            log.warning(
                "没有找到中文字体，图表中的中文将显示为方框："
                "请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）"
            )
        _font_checked = True
        return _font


def _find(font_manager) -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _figure(width_cm: float, height_cm: float):
    from matplotlib.figure import Figure

    font = cjk_font()
    fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=130)
    if font:
        fig.set_layout_engine("constrained")
    return fig, ({"family": [font, "DejaVu Sans"]} if font else {})


def _save(fig, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    path = Path(path)
    fig.savefig(path, format="png", facecolor="white")
    return path


def _style_text(fig, font: Mapping[str, object]) -> None:
    if not font:
        return
    for text in fig.findobj(lambda artist: hasattr(artist, "set_fontfamily")):
        text.set_fontfamily(font["family"])


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    path: Path,
    *,
    title: str = "",
    unit: str = "%",
    limit: float | None = 100,
    colour: str = SERIES_COLOURS[0],
) -> Path:
    """Horizontal bars, one per label (e.g. 符合率 per 安全类); None draws as "—" (nothing applicable)."""
    return grouped_bars(
        labels, {"": list(values)}, path, title=title, unit=unit, limit=limit, colours=[colour]
    )


def grouped_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    path: Path,
    *,
    title: str = "",
    unit: str = "%",
    limit: float | None = 100,
    colours: Sequence[str] = SERIES_COLOURS,
) -> Path:
    """Horizontal bars, one group per label and one bar per series (e.g. 初测 / 复测), values printed."""
    fig, font = _figure(16, 2.2 + 0.75 * len(labels) * max(1, len(series)) ** 0.5)
    ax = fig.add_subplot()
    n = max(1, len(series))
    height = 0.8 / n
    rows = range(len(labels))
    for k, (name, values) in enumerate(series.items()):
        offsets = [r - 0.4 + height * (k + 0.5) for r in rows]
        drawn = [v if v is not None else 0 for v in values]
        bar = ax.barh(
            offsets, drawn, height=height * 0.9, color=colours[k % len(colours)], label=name or None
        )
        ax.bar_label(bar, labels=[_figure_text(v, unit) for v in values], padding=3, fontsize=7)
    ax.set_yticks(list(rows), labels=list(labels), fontsize=8)
    ax.invert_yaxis()
    if limit is not None:
        ax.set_xlim(0, limit * 1.12)
    ax.tick_params(axis="x", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    if any(series):  # named series get a legend; a single unnamed one needs none
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    _style_text(fig, font)
    return _save(fig, path)


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    path: Path,
    *,
    title: str = "",
    colours: Mapping[str, str] = RESULT_COLOURS,
) -> Path:
    """Horizontal stacked counts per label (e.g. the results of each control point, 符合 … 不适用)."""
    fig, font = _figure(16, 2.4 + 0.5 * len(labels))
    ax = fig.add_subplot()
    left = [0] * len(labels)
    rows = list(range(len(labels)))
    for name, values in series.items():
        ax.barh(rows, values, left=left, color=colours.get(name, "#888888"), label=name, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(rows, labels=list(labels), fontsize=8)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    _style_text(fig, font)
    return _save(fig, path)


def pie(
    counts: Mapping[str, int],
    path: Path,
    *,
    title: str = "",
    colours: Mapping[str, str] = RESULT_COLOURS,
) -> Path:
    """Shares of a whole (e.g. all results by 符合 … 不适用), with counts and percentages."""
    fig, font = _figure(12, 8)
    ax = fig.add_subplot()
    shown = {k: v for k, v in counts.items() if v}
    total = sum(shown.values()) or 1
    ax.pie(
        list(shown.values()),
        labels=[f"{k} {v}（{v * 100 / total:.1f}%）" for k, v in shown.items()],
        colors=[colours.get(k, "#888888") for k in shown],
        startangle=90,
        counterclock=False,
        wedgeprops={"linewidth": 1, "edgecolor": "white"},
        textprops={"fontsize": 8},
    )
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    _style_text(fig, font)
    return _save(fig, path)


def _figure_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:g}{unit}"
