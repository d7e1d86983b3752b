"""Reading scanning's form values: target lists (dates and numbers: dengbao.parse)."""

from __future__ import annotations


def lines(value: str) -> list[str]:
    from .authorisation_services import split_lines

    return split_lines(value or "")
