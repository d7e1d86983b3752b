"""What a format module provides: one ``Importer`` (kept apart from the registry, which imports them all)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .model import Record
from .sniff import Head


@dataclass(frozen=True, slots=True)
class Importer:
    """One scan format: its name, its label for users, a cheap sniff and a streaming parse."""

    format: str  # "nessus"
    label: str  # "Nessus（.nessus v2）"
    sniff: Callable[[Head], bool]
    parse: Callable[[BinaryIO, str], Iterator[Record]]  # (binary stream, file name for messages)
    roots: tuple[str, ...] = ()  # XML root tags, for "this looks like …" hints
    empty_ok: bool = False  # an empty file is this tool's "nothing found" (Nuclei, xray)
    tool: str = ""  # the findings' tool name when it is not the format's ("nessus" for nessus-csv)

    @property
    def tool_name(self) -> str:
        return self.tool or self.format
