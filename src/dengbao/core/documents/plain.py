"""The context a template sees: plain data only, with pictures and long blocks as opaque markers.

A template is Jinja code written by whoever uploaded it, so what it can reach decides what
it can do. ``to_plain`` turns a document context into strings, numbers, dates, lists and
dicts — dataclasses become dicts, enums their values — and swaps every ``Picture`` and
``bulk.Blocks`` for a marker string. The builder puts the picture (or streams the blocks)
where the marker came out, after Jinja has finished; a template can print a marker, test
it, move it around, but there is no Python object behind it to call methods on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import bulk


class Picture:
    """A context value that becomes the picture at ``path``, scaled to fit the page; it may sit
    anywhere in the context (e.g. one chart per row of a loop)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Picture({self.path.name})"


class NotPlainData(TypeError):
    """A context value the builder does not know how to make plain (a programming error)."""


PICTURE_MARKER = re.compile(r"DENGBAO-PICTURE-(\d+)-7f3a")
SCALARS = (str, int, float, bool, type(None), dt.date, dt.datetime, dt.time, Decimal)


def picture_marker(n: int) -> str:
    return f"DENGBAO-PICTURE-{n:04d}-7f3a"


@dataclasses.dataclass
class PlainContext:
    """The template's context and what its markers stand for."""

    values: dict[str, Any]
    pictures: dict[str, tuple[Path, str]]  # marker → (picture file, where in the context)
    blocks: dict[str, bulk.Blocks]  # marker → blocks streamed in after rendering


def to_plain(context: Mapping[str, Any]) -> PlainContext:
    """``context`` as plain data; raises ``NotPlainData`` naming the first value it cannot convert."""
    pictures: dict[str, tuple[Path, str]] = {}
    blocks: dict[str, bulk.Blocks] = {}

    def convert(value: Any, where: str) -> Any:
        if isinstance(value, Picture):
            mark = picture_marker(len(pictures))
            pictures[mark] = (value.path, where)
            return mark
        if isinstance(value, bulk.Blocks):
            mark = bulk.marker(len(blocks))
            blocks[mark] = value
            return mark
        if isinstance(value, enum.Enum):
            return convert(value.value, where)
        if isinstance(value, bool) or value is None:
            return value
        for kind in (str, int, float, Decimal, dt.datetime, dt.date, dt.time):
            if isinstance(value, kind):  # a subclass (a str enum, markupsafe…) becomes its base type
                return value if type(value) is kind else _base(kind, value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if isinstance(value, Mapping):
            return {_key(k, where): convert(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [convert(v, f"{where}[{i}]") for i, v in enumerate(value)]
        raise NotPlainData(f"上下文“{where}”的值不是普通数据（{type(value).__name__}）")

    values = {str(k): convert(v, str(k)) for k, v in context.items()}
    return PlainContext(values, pictures, blocks)


def _base(kind: type, value: Any) -> Any:
    if kind is str:
        return str.__str__(value)
    if kind in (dt.datetime, dt.date, dt.time):
        return kind.fromisoformat(value.isoformat())
    return kind(value)


def _key(key: Any, where: str) -> str | int:
    if isinstance(key, enum.Enum):
        key = key.value
    if isinstance(key, bool) or not isinstance(key, str | int):
        return str(key)
    return str.__str__(key) if isinstance(key, str) else int(key)


def is_plain(value: Any) -> bool:
    """True when ``value`` is made of nothing but ``SCALARS``, lists and dicts (a test helper too)."""
    if type(value) in SCALARS:
        return True
    if type(value) is list:
        return all(is_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) in (str, int) and is_plain(v) for k, v in value.items())
    return False
