"""Where the current request came from, for audit records written deep inside services."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str = ""
    channel: str = "web"  # web, api, cli, scheduler


_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar(
    "dengbao_origin",
    default=Origin(channel="system"),  # noqa: B039 - Origin is a frozen dataclass
)


def current() -> Origin:
    return _origin.get()


def set_origin(origin: Origin) -> contextvars.Token[Origin]:
    return _origin.set(origin)


def reset(token: contextvars.Token[Origin]) -> None:
    _origin.reset(token)
