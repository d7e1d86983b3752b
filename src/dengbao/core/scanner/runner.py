"""One entry point for every scan: check the authorisation, then run the chosen engine.

The scope check, the name resolution it relies on and the guard all happen here, before any
engine is called, so no caller can reach an engine with an unchecked target by accident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from . import engine as builtin
from . import nmap, profiles
from .connect import Cancel, Progress
from .guard import Guard
from .ports import parse_ports
from .results import BUILTIN, NMAP, OpenPort, ScanResult
from .scope import Refusal, Scope, Technique, check
from .targets import DEFAULT_LIMIT, Lookup, Target, expand, resolve

ENGINES = ("auto", BUILTIN, NMAP)


class ScopeRefused(Exception):
    """The request is outside the authorisation; ``refusals`` say why. Nothing was sent."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__("；".join(r.reason for r in refusals))
        self.refusals = list(refusals)


@dataclass(frozen=True)
class ScanRequest:
    targets: tuple[str, ...]
    ports: str | None = None  # "22,80,8000-8100"; None takes the profile's ports
    profile: str = "quick"
    technique: Technique | str | None = None  # checked in addition to the profile's own technique
    rate: float | None = None  # connection attempts per second; None = as fast as the engine goes
    concurrency: int = 512
    timeout: float = 1.5  # seconds per connect (loopback uses a shorter one)


def pick_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"未知的扫描引擎“{engine}”（可选：auto、builtin、nmap）")
    if engine == "auto":
        return NMAP if nmap.available() else BUILTIN
    if engine == NMAP and not nmap.available():
        raise ValueError("本机未安装 nmap，请改用内置引擎（--engine builtin）")
    return engine


def _hostnames(targets: Sequence[Target]) -> dict[str, str]:
    """Address -> the first name it was given as, for SNI, Host headers and the inventory."""
    names: dict[str, str] = {}
    for target in targets:
        if target.is_name:
            for address in target.addresses:
                names.setdefault(address, target.host)
    return names


async def run(
    request: ScanRequest,
    scope: Scope,
    *,
    engine: str = "auto",
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    at: dt.datetime | None = None,
    lookup: Lookup | None = None,
    limit: int = DEFAULT_LIMIT,
) -> ScanResult:
    """Check ``request`` against ``scope`` (raising ScopeRefused before any packet), then scan.

    Names are resolved once here, and only names the authorisation lists (any other is refused
    before a DNS query); the check, the guard and the engine all use those addresses.
    The scan stops by itself when the authorised time window or the authorisation ends.
    """
    at = at or dt.datetime.now(dt.UTC)
    profile = profiles.get(request.profile)
    chosen = pick_engine(engine)
    ports = parse_ports(request.ports or profile.ports)
    targets = await resolve(request.targets, lookup=lookup, wanted=scope.name_listed)
    techniques = [profile.technique] + ([Technique(request.technique)] if request.technique else [])
    refusals = check(scope, targets=targets, ports=ports, technique=techniques, at=at, limit=limit)
    if refusals:
        raise ScopeRefused(refusals)
    addresses = expand(targets, limit=limit)
    url_ports = {t.port for t in targets if t.port is not None}
    ports = tuple(sorted(set(ports) | url_ports))
    guard = Guard(addresses, until=scope.permitted_until(at))
    names = _hostnames(targets)
    if chosen == BUILTIN:
        return await builtin.scan(
            addresses,
            ports,
            guard=guard,
            inspect=profile.inspect,
            hostnames=names,
            progress=progress,
            cancel=cancel,
            profile=profile.name,
            concurrency=request.concurrency,
            rate=request.rate,
            timeout=request.timeout,
        )
    result = await nmap.scan(
        addresses,
        ports,
        guard=guard,
        profile_args=profile.nmap_args,
        progress=progress,
        cancel=cancel,
        profile=profile.name,
        concurrency=request.concurrency,
        rate=request.rate,
        timeout=request.timeout,
    )
    if profile.inspect and result.open and not result.stopped:
        found = list(result.open)
        result.open = []
        known: dict[tuple[str, int], OpenPort] = {(o.host, o.port): o for o in found}
        pairs = [(o.host, o.port) for o in found]
        timeout = max(request.timeout, 3.0)
        await builtin.describe(
            result, pairs, guard=guard, hostnames=names, timeout=timeout, cancel=cancel, known=known
        )
        result.finished = dt.datetime.now(dt.UTC)
    return result
