"""A template an organisation may replace, with its sample context, and checking one.

Each document kind (reports/documents/<kind>.py, Django-side) declares its ``TemplateKind``s;
the functions here take one. A kind names its picture slots (``categories[].chart``: the
``chart`` of every element of ``categories``), so a check renders the sample with a picture
in every one of them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TemplateKind:
    key: str
    label: str
    default: Path
    sample_context: Callable[[], dict]
    pictures: tuple[str, ...] = ()  # where the context holds a picture (chart, topology)


def sample_context(spec: TemplateKind, picture: Path | None = None) -> dict:
    """The kind's sample context; with ``picture``, every picture slot holds that picture."""
    from .builder import Picture

    context = spec.sample_context()
    if picture is not None:
        for slot in spec.pictures:
            _fill(context, slot.split("."), Picture(picture))
    return context


def _fill(value: dict, steps: list[str], picture) -> None:
    step, rest = steps[0], steps[1:]
    if step.endswith("[]"):
        for item in value[step[:-2]]:
            _fill(item, rest, picture)
    elif rest:
        _fill(value[step], rest, picture)
    else:
        value[step] = picture


def check_template(path: Path, spec: TemplateKind, *, limits=None, name: str | None = None) -> list[str]:
    """Problems of a replacement template (empty: accepted): the upload check, also run by
    ``dengbao template check``. Fields the platform does not provide, then a render with the
    sample data — every picture slot filled — in the limited child process. ``name`` is what
    the messages call the template (default: its file name)."""
    from .builder import check_template_file
    from .pictures import sample_png

    with tempfile.TemporaryDirectory(prefix="dengbao-check-") as tmp:
        context = sample_context(spec, sample_png(Path(tmp) / "sample.png"))
        return check_template_file(path, context, limits=limits, name=name)


def render_sample(path: Path, spec: TemplateKind, *, limits=None) -> bytes:
    """``path`` rendered with the kind's sample data (pictures included) under the same limits."""
    from .builder import render_docx
    from .pictures import sample_png

    with tempfile.TemporaryDirectory(prefix="dengbao-sample-") as tmp:
        context = sample_context(spec, sample_png(Path(tmp) / "sample.png"))
        return render_docx(path, context, limits=limits, isolate=True)
