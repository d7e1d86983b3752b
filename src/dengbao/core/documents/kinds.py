"""The templates an organisation may replace, with their sample context, and checking one.

Each ``*_template.py`` module here declares its ``TEMPLATES`` next to the code that builds
them; ``KINDS`` collects them (so a new template is one new module), and the document kinds
(reports/documents/<kind>.py) name theirs. A template names its picture slots
(``categories[].chart``: the ``chart`` of every element of ``categories``), so a check renders
the sample with a picture in every one of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class TemplateKind:
    key: str
    label: str
    default: Path
    sample_context: Callable[[], dict]
    pictures: tuple[str, ...] = ()  # where the context holds a picture (chart, topology)


@cache
def _collected() -> dict[str, TemplateKind]:
    found: dict[str, TemplateKind] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if module.endswith("_template"):
            for spec in getattr(importlib.import_module(f"{__package__}.{module}"), "TEMPLATES", ()):
                assert spec.key not in found, f"template kind {spec.key} declared twice"
                found[spec.key] = spec
    return found


def __getattr__(name: str):
    if name == "KINDS":  # collected when first asked: the template modules import this one
        return _collected()
    raise AttributeError(name)


def _spec(kind: str | TemplateKind) -> TemplateKind:
    return kind if isinstance(kind, TemplateKind) else _collected()[kind]


def sample_context(kind: str | TemplateKind, picture: Path | None = None) -> dict:
    """The kind's sample context; with ``picture``, every picture slot holds that picture."""
    from .builder import Picture

    spec = _spec(kind)
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


def check_template(
    path: Path, kind: str | TemplateKind, *, limits=None, name: str | None = None
) -> list[str]:
    """Problems of a replacement template (empty: accepted): the upload check, also run by
    ``dengbao template check``. Fields the platform does not provide, then a render with the
    sample data — every picture slot filled — in the limited child process. ``name`` is what
    the messages call the template (default: its file name)."""
    from .builder import check_template_file
    from .pictures import sample_png

    with tempfile.TemporaryDirectory(prefix="dengbao-check-") as tmp:
        context = sample_context(kind, sample_png(Path(tmp) / "sample.png"))
        return check_template_file(path, context, limits=limits, name=name)


def render_sample(path: Path, kind: str | TemplateKind, *, limits=None) -> bytes:
    """``path`` rendered with the kind's sample data (pictures included) under the same limits."""
    from .builder import render_docx
    from .pictures import sample_png

    with tempfile.TemporaryDirectory(prefix="dengbao-sample-") as tmp:
        context = sample_context(kind, sample_png(Path(tmp) / "sample.png"))
        return render_docx(path, context, limits=limits, isolate=True)
