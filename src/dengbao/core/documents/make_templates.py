"""Builds the shipped .docx templates from code, so they can be reviewed and reproduced.

    python -m dengbao.core.documents.make_templates [OUT_DIR]

writes every shipped template (each ``*_template.py`` module's ``SHIPPED``) to
``templates/`` (or OUT_DIR). The Jinja tags inside are docxtpl's: ``{{ }}``, ``{%p %}``
paragraph and ``{%tr %}`` row loops, ``{% cellbg %}`` for the marked matrix cells. The
wording is the project's own, laid out after the official structure (MLPS-FACTS §5).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path

from docx.document import Document

from .common import TEMPLATES


def _builders() -> dict[str, Callable[[], Document]]:
    """Every shipped file and its builder: the ``SHIPPED`` of each ``*_template.py`` module here,
    so a new document's template is one new module (and the file it writes)."""
    found: dict[str, Callable[[], Document]] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if module.endswith("_template"):
            found.update(getattr(importlib.import_module(f"{__package__}.{module}"), "SHIPPED", {}))
    return found


BUILDERS: dict[str, Callable[[], Document]] = _builders()


def build_all(out_dir: Path = TEMPLATES) -> list[Path]:
    """Write every shipped template to ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in BUILDERS.items():
        path = out_dir / name
        build().save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for written in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES):
        print(written)
