"""The registry: every module of this package that declares ``KIND`` is a document kind.

Found by listing the package, so a new kind is one new module (plus its template); nothing
else names the kinds. Read lazily: kind modules import models, which the app loads first.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from dengbao.core.documents.kinds import TemplateKind

from .base import DocumentKind


@cache
def kinds() -> dict[str, DocumentKind]:
    """Every kind by name, in display order."""
    found: list[DocumentKind] = []
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        declared = getattr(importlib.import_module(f"{__package__}.{module.name}"), "KIND", None)
        if isinstance(declared, DocumentKind):
            found.append(declared)
    found.sort(key=lambda k: (k.order, k.name))
    names = [k.name for k in found]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"document kinds declared twice: {duplicates}"
    return {k.name: k for k in found}


def kind(name: str) -> DocumentKind:
    """The kind called ``name``; ValueError for an unknown one."""
    try:
        return kinds()[name]
    except KeyError:
        raise ValueError(f"unknown document kind {name!r}") from None


def job_kinds() -> dict[str, DocumentKind]:
    """The kinds started as background jobs (the documents page, the API)."""
    return {name: k for name, k in kinds().items() if k.job}


def templates() -> dict[str, TemplateKind]:
    """Every replaceable template by key (``DocumentTemplate.kind``), in display order."""
    return {t.key: t for k in kinds().values() for t in k.templates}


def choices() -> list[tuple[str, str]]:
    """``GeneratedDocument.kind`` choices."""
    return [(k.name, k.label) for k in kinds().values()]


def template_choices() -> list[tuple[str, str]]:
    """``DocumentTemplate.kind`` choices."""
    return [(t.key, t.label) for t in templates().values()]
