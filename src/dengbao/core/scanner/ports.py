"""Port lists: one parser for the specs people type ("22,80,8000-8100") and one compact printer.

Authorisations, scan requests and profiles all speak this format, so a refusal can quote the
ports it refuses in the same words the user wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PortRange = tuple[int, int]
ALL_PORTS: tuple[PortRange, ...] = ((1, 65535),)


def _port(text: str, spec: str) -> int:
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"端口“{text}”无效（在“{spec}”中）：应为 1–65535 的整数")
    return int(text)


def parse_ranges(spec: str | Iterable[int | str | PortRange]) -> tuple[PortRange, ...]:
    """Merged, sorted ranges from "22,80-90", a list of ints/strings, or (low, high) pairs."""
    items: list[PortRange] = []
    parts: Iterable[int | str | PortRange] = (
        spec.replace("，", ",").split(",") if isinstance(spec, str) else spec
    )
    for part in parts:
        if isinstance(part, tuple):
            low, high = _port(str(part[0]), str(spec)), _port(str(part[1]), str(spec))
        elif isinstance(part, int):
            low = high = _port(str(part), str(spec))
        else:
            text = part.strip()
            if not text:
                continue
            if text in ("-", "*", "all"):
                low, high = 1, 65535
            elif "-" in text:
                first, _, last = text.partition("-")
                low = _port(first, str(spec)) if first.strip() else 1
                high = _port(last, str(spec)) if last.strip() else 65535
            else:
                low = high = _port(text, str(spec))
        if low > high:
            raise ValueError(f"端口范围“{low}-{high}”起点大于终点（在“{spec}”中）")
        items.append((low, high))
    return merge(items)


def merge(ranges: Iterable[PortRange]) -> tuple[PortRange, ...]:
    out: list[PortRange] = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return tuple(out)


def parse_ports(spec: str | Iterable[int | str | PortRange]) -> tuple[int, ...]:
    """Every port the spec names, ascending, each once."""
    return tuple(p for low, high in parse_ranges(spec) for p in range(low, high + 1))


def compact(ports: Iterable[int] | Iterable[PortRange]) -> str:
    """The shortest spec for a set of ports: (22, 80, 81, 82) -> "22,80-82"."""
    items: list[Any] = list(ports)
    ranges = merge(items if items and isinstance(items[0], tuple) else ((p, p) for p in items))
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in ranges)


def outside(ports: Iterable[int], allowed: Iterable[PortRange]) -> tuple[int, ...]:
    """The ports not covered by ``allowed`` (both sides sorted; one linear pass)."""
    ranges = merge(allowed)
    missing: list[int] = []
    index = 0
    for port in sorted(set(ports)):
        while index < len(ranges) and ranges[index][1] < port:
            index += 1
        if index == len(ranges) or port < ranges[index][0]:
            missing.append(port)
    return tuple(missing)
