"""The replaceable templates by key, from the registry: what the template manager lists, the
upload checks and ``dengbao template`` uses (the mechanics are core/documents/kinds.py)."""

from __future__ import annotations

from pathlib import Path

from dengbao.core.documents import kinds as core
from dengbao.core.documents.kinds import TemplateKind

from .registry import templates

__all__ = ["TemplateKind", "check_template", "render_sample", "sample_context"]


def __getattr__(name: str):
    if name == "KINDS":  # read when asked: the registry imports every kind module
        return templates()
    raise AttributeError(name)


def sample_context(kind: str, picture: Path | None = None) -> dict:
    return core.sample_context(templates()[kind], picture)


def check_template(path: Path, kind: str, *, limits=None, name: str | None = None) -> list[str]:
    """Problems of a replacement template of ``kind`` (empty: accepted): the upload's check."""
    return core.check_template(path, templates()[kind], limits=limits, name=name)


def render_sample(path: Path, kind: str, *, limits=None) -> bytes:
    return core.render_sample(path, templates()[kind], limits=limits)
