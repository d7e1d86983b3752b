"""nmap as the engine: a fixed argument list (never a shell), XML on stdout, the project's importer.

Targets go in on stdin (``-iL -``) as the exact address list the scope check approved, so
nmap resolves nothing (``-n``) and discovers nothing on its own (``-Pn``): it touches exactly
what the built-in engine would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import io
import ipaddress
import re
import shutil
from collections.abc import Sequence

from ..importers import ImportFormatError, ServiceObservation
from ..importers.nmap import parse as parse_nmap_xml
from .connect import Cancel, Progress
from .guard import Guard
from .ports import compact
from .results import NMAP, OpenPort, ScanResult

_PROGRESS = re.compile(rb'<taskprogress[^>]*percent="([\d.]+)"')
_POLL = 0.2


def available() -> str | None:
    return shutil.which("nmap")


def command(
    binary: str,
    ports: Sequence[int],
    *,
    profile_args: Sequence[str],
    ipv6: bool,
    rate: float | None,
    concurrency: int,
    timeout: float,
) -> list[str]:
    """The argument list; every element is ours or a number, nothing the user typed verbatim."""
    args = [binary, *profile_args, "-Pn", "-n", "--disable-arp-ping", "-T4", "-p", compact(ports)]
    args += ["--max-parallelism", str(max(1, concurrency)), "--max-rtt-timeout", f"{max(0.05, timeout):.2f}s"]
    if rate:
        args += ["--max-rate", f"{rate:g}"]
    if ipv6:
        args.append("-6")
    return [*args, "--stats-every", "1s", "-oX", "-", "-iL", "-"]


async def scan(
    addresses: Sequence[str],
    ports: Sequence[int],
    *,
    guard: Guard,
    profile_args: Sequence[str] = ("-sT",),
    concurrency: int = 512,
    rate: float | None = None,
    timeout: float = 1.5,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    profile: str = "",
    binary: str | None = None,
) -> ScanResult:
    """One nmap run per address family; open ports as OpenPort, in the same ScanResult as builtin."""
    guard.admit_all(addresses)
    binary = binary or available()
    if not binary:
        raise RuntimeError("未安装 nmap，无法使用 nmap 引擎")
    started = dt.datetime.now(dt.UTC)
    total = len(addresses) * len(ports)
    result = ScanResult(
        engine=NMAP,
        started=started,
        finished=started,
        profile=profile,
        addresses=tuple(addresses),
        ports=compact(ports),
        total=total,
    )
    families = [[a for a in addresses if ipaddress.ip_address(a).version == v] for v in (4, 6)]
    done = 0
    for family, group in zip((4, 6), families, strict=True):
        if not group or result.stopped:
            continue
        argv = command(
            binary,
            ports,
            profile_args=profile_args,
            ipv6=family == 6,
            rate=rate,
            concurrency=concurrency,
            timeout=timeout,
        )
        result.command = tuple(argv)
        share = len(group) * len(ports)
        xml = await _run(
            argv, group, result, progress=progress, cancel=cancel, guard=guard, base=done, share=share
        )
        done += share
        if xml is not None:
            _collect(xml, result)
    result.probed = total if not result.stopped else done
    if progress is not None:
        outcome = progress(result.probed, total)
        if inspect.isawaitable(outcome):
            await outcome
    result.finished = dt.datetime.now(dt.UTC)
    return result


async def _run(
    argv: list[str],
    addresses: Sequence[str],
    result: ScanResult,
    *,
    progress: Progress | None,
    cancel: Cancel | None,
    guard: Guard,
    base: int,
    share: int,
) -> bytes | None:
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write("".join(f"{a}\n" for a in addresses).encode("ascii"))
    await process.stdin.drain()
    process.stdin.close()
    chunks: list[bytes] = []
    errors = asyncio.ensure_future(process.stderr.read())
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(process.stdout.read(65536), _POLL)
            except TimeoutError:
                chunk = None
            if chunk == b"":
                break
            if chunk:
                chunks.append(chunk)
                found = _PROGRESS.findall(chunk)
                if found and progress is not None:
                    outcome = progress(base + int(share * float(found[-1]) / 100), result.total)
                    if inspect.isawaitable(outcome):
                        await outcome
            if cancel is not None and cancel.is_set():
                result.stopped = "cancelled"
            elif guard.expired():
                result.stopped = "window_closed"
            if result.stopped:
                process.terminate()
                break
        code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = (await errors).decode("utf-8", "replace").strip()
    if result.stopped:
        result.errors.append("扫描已被取消" if result.cancelled else "授权时间窗已结束，扫描已中止")
        return None
    if code != 0:
        result.errors.append(f"nmap 退出码 {code}：{stderr[-500:]}")
        return None
    return b"".join(chunks)


def _collect(xml: bytes, result: ScanResult) -> None:
    try:
        records = list(parse_nmap_xml(io.BytesIO(xml), "nmap -oX -"))
    except ImportFormatError as exc:
        result.errors.append(f"无法解析 nmap 输出：{exc}")
        return
    for record in records:
        if isinstance(record, ServiceObservation) and record.state == "open":
            result.open.append(
                OpenPort(
                    record.host,
                    record.port,
                    record.protocol,
                    record.service,
                    hostname=record.hostname,
                    product=record.product,
                    version=record.version,
                )
            )
    with contextlib.suppress(ValueError):
        result.open.sort(key=lambda o: (ipaddress.ip_address(o.host), o.port))
