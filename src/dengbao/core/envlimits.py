"""Whole-number limits read from environment variables (the ``from_env`` of the limit dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping


def positive_ints(environ: Mapping[str, str], variables: Mapping[str, str]) -> dict[str, int]:
    """``{field: value}`` for each ``{field: VARIABLE}`` set in ``environ``; unset ones are left out.

    A value that is not a positive whole number raises ``ValueError`` naming the variable.
    """
    values: dict[str, int] = {}
    for name, variable in variables.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        try:
            values[name] = int(text)
        except ValueError:
            raise ValueError(f"{variable} must be a whole number, not {text!r}") from None
        if values[name] <= 0:
            raise ValueError(f"{variable} must be positive, not {text!r}")
    return values
