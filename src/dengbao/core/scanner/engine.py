"""The built-in engine: the connect sweep, then (per profile) a closer look at each open port.

Used when nmap is absent, and as the checks that follow an nmap sweep: TLS and HTTP-header
findings come from here whichever engine found the ports.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence

from . import services
from .connect import Cancel, Progress, Sweep, sweep
from .guard import Guard
from .ports import compact
from .probes import inspect_port
from .results import BUILTIN, OpenPort, ScanResult

INSPECT_CONCURRENCY = 16


async def scan(
    addresses: Sequence[str],
    ports: Sequence[int],
    *,
    guard: Guard,
    inspect: bool = False,
    hostnames: Mapping[str, str] | None = None,
    concurrency: int = 512,
    rate: float | None = None,
    timeout: float = 1.5,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    profile: str = "",
) -> ScanResult:
    """Sweep ``addresses`` × ``ports`` (every address must pass ``guard``) and describe what is open."""
    started = dt.datetime.now(dt.UTC)
    swept = await sweep(
        addresses,
        ports,
        guard=guard,
        concurrency=concurrency,
        rate=rate,
        timeout=timeout,
        progress=progress,
        cancel=cancel,
    )
    result = ScanResult(
        engine=BUILTIN,
        started=started,
        finished=started,
        profile=profile,
        addresses=tuple(addresses),
        ports=compact(ports),
        probed=swept.done,
        total=swept.total,
        stopped=swept.stopped,
        errors=sweep_errors(swept),
    )
    names = hostnames or {}
    if inspect and not swept.stopped:
        await describe(
            result, swept.open, guard=guard, hostnames=names, timeout=max(timeout, 3.0), cancel=cancel
        )
    else:
        result.open = [
            OpenPort(a, p, service=services.by_port(p), hostname=names.get(a, "")) for a, p in swept.open
        ]
    result.finished = dt.datetime.now(dt.UTC)
    return result


async def describe(
    result: ScanResult,
    pairs: Sequence[tuple[str, int]],
    *,
    guard: Guard,
    hostnames: Mapping[str, str],
    timeout: float,
    cancel: Cancel | None = None,
    known: Mapping[tuple[str, int], OpenPort] | None = None,
) -> None:
    """Banner, TLS and header checks on open ports, a few at a time; fills ``result.open``/``findings``.

    ``known`` carries what nmap already said (service, product, version), which wins over a guess.
    """
    limit = asyncio.Semaphore(INSPECT_CONCURRENCY)
    known = known or {}

    async def one(address: str, port: int) -> None:
        async with limit:
            if cancel is not None and cancel.is_set():
                result.stopped = "cancelled"
                return
            if guard.expired():
                result.stopped = "window_closed"
                return
            seen = await inspect_port(
                guard, address, port, hostname=hostnames.get(address, ""), timeout=timeout
            )
        opened = seen.open_port
        prior = known.get((address, port))
        if prior is not None and prior.service:
            opened = OpenPort(
                address,
                port,
                prior.protocol,
                prior.service,
                opened.banner,
                opened.tls,
                opened.headers,
                opened.hostname,
                prior.product or opened.product,
                prior.version or opened.version,
            )
        result.open.append(opened)
        result.findings.extend(seen.findings)

    await asyncio.gather(*(one(a, p) for a, p in pairs))
    described = {(p.host, p.port) for p in result.open}
    result.open.extend(  # ports left undescribed (cancelled) are still open
        known.get((a, p)) or OpenPort(a, p, service=services.by_port(p), hostname=hostnames.get(a, ""))
        for a, p in pairs
        if (a, p) not in described
    )
    order = {pair: index for index, pair in enumerate(pairs)}
    result.open.sort(key=lambda o: order.get((o.host, o.port), len(order)))
    result.findings.sort(key=lambda f: (order.get((f.host, f.port or 0), len(order)), f.tool_rule_id))


def sweep_errors(swept: Sweep) -> list[str]:
    """Failures grouped per address and reason, in Chinese, rather than one line per port."""
    out = [
        f"{address}：{count} 个端口连接失败（{reason}）"
        for (address, reason), count in swept.failures.items()
    ]
    out += [f"{address}：{count} 个端口连接超时（可能被过滤）" for address, count in swept.filtered.items()]
    if swept.stopped == "window_closed":
        out.append("授权时间窗已结束，扫描已中止")
    elif swept.stopped == "cancelled":
        out.append("扫描已被取消")
    return out
