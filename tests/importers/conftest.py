"""Shared helpers for the importer tests: the sample files and a list-of-records reader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from dengbao.core.importers import Finding, ServiceObservation, parse

SAMPLES = Path(__file__).parent / "samples"


def findings(path: Path, fmt: str | None = None) -> list[Finding]:
    return [r for r in parse(path, fmt) if isinstance(r, Finding)]


def services(path: Path, fmt: str | None = None) -> list[ServiceObservation]:
    return [r for r in parse(path, fmt) if isinstance(r, ServiceObservation)]


def by_severity(items: list[Finding]) -> dict[str, int]:
    return dict(Counter(f.severity.name for f in items))


def rewrite(src: Path, dst: Path, *replacements: tuple[str, str], encoding: str = "utf-8") -> Path:
    """A copy of a sample with text replaced, each replacement required to hit."""
    text = src.read_text(encoding=encoding)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    dst.write_text(text, encoding=encoding)
    return dst
