"""The TCP-connect sweep: addresses × ports through a bounded pool of workers over one iterator.

Speed comes from not paying asyncio's price where the kernel already answered: a non-blocking
connect to loopback (and often to a directly attached host) is settled before ``connect``
returns, so the worker reads SO_ERROR at once and only waits on the selector for connects that
are really in flight. No Task per port is created; ``concurrency`` workers pull jobs lazily.
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import ipaddress
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .guard import Guard

Progress = Callable[[int, int], object | Awaitable[object]]
LOOPBACK_TIMEOUT = 0.25  # loopback answers in microseconds; a wait means a full SYN queue, not a slow path
_BATCH = 256  # jobs between yields to the event loop (progress, cancellation, other workers)
_PROGRESS_EVERY = 0.1


class Cancel(Protocol):
    def is_set(self) -> bool: ...


class RateLimiter:
    """Spaces connection attempts ``1/rate`` seconds apart (no bursts: a SYN flood is what IDSs see)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("速率必须大于 0（每秒连接数）")
        self.interval = 1.0 / rate
        self.clock = clock
        self.next = clock()

    def reserve(self) -> float:
        """Book the next slot; returns how long to wait before using it."""
        now = self.clock()
        slot = max(self.next, now)
        self.next = slot + self.interval
        return slot - now


@dataclass
class Sweep:
    open: list[tuple[str, int]] = field(default_factory=list)
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)  # (address, reason) -> count
    filtered: Counter[str] = field(default_factory=Counter)
    done: int = 0
    total: int = 0
    stopped: str = ""


_CLOSED = frozenset({errno.ECONNREFUSED, errno.ECONNRESET})
_TIMEOUT = frozenset({errno.ETIMEDOUT})


def _connected(sock: socket.socket) -> bool:
    """True for a real connection; a self-connect (local port == remote port on loopback) is not one."""
    try:
        return sock.getpeername() != sock.getsockname()
    except OSError:
        return False


class _Run:
    def __init__(
        self,
        jobs: Iterator[tuple[str, int]],
        total: int,
        *,
        guard: Guard,
        timeout: float,
        rate: float | None,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> None:
        self.jobs = jobs
        self.guard = guard
        self.timeout = timeout
        self.limiter = RateLimiter(rate) if rate else None
        self.progress = progress
        self.cancel = cancel
        self.result = Sweep(total=total)
        self.last_report = 0.0
        self.loop = asyncio.get_running_loop()
        self.families: dict[str, tuple[socket.AddressFamily, float]] = {}

    def _family(self, address: str) -> tuple[socket.AddressFamily, float]:
        known = self.families.get(address)
        if known is None:
            ip = ipaddress.ip_address(address)
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            known = (family, min(self.timeout, LOOPBACK_TIMEOUT) if ip.is_loopback else self.timeout)
            self.families[address] = known
        return known

    def should_stop(self) -> bool:
        if self.result.stopped:
            return True
        if self.cancel is not None and self.cancel.is_set():
            self.result.stopped = "cancelled"
        elif self.guard.expired():
            self.result.stopped = "window_closed"
        return bool(self.result.stopped)

    async def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress is None or (not force and now - self.last_report < _PROGRESS_EVERY):
            return
        self.last_report = now
        outcome = self.progress(self.result.done, self.result.total)
        if inspect.isawaitable(outcome):
            await outcome

    async def worker(self) -> None:
        try:
            await self._work()
        except BaseException:
            self.result.stopped = self.result.stopped or "error"  # the other workers stop at their next job
            raise

    async def _work(self) -> None:
        # The hot loop: locals only, and a refused port costs one socket, one connect, one getsockopt.
        batch = 0
        approved, admit, result = self.guard.addresses, self.guard.admit, self.result
        new_socket, family_of, limiter = socket.socket, self._family, self.limiter
        stype, einprogress, sol, so_error = (
            socket.SOCK_STREAM | socket.SOCK_NONBLOCK,
            errno.EINPROGRESS,
            socket.SOL_SOCKET,
            socket.SO_ERROR,
        )
        for address, port in self.jobs:
            if result.stopped or self.should_stop():
                return
            if limiter is not None:
                delay = limiter.reserve()
                if delay > 0:
                    await asyncio.sleep(delay)
                    batch = -1  # count this job as just-yielded (reported below)
                    if self.should_stop():
                        return
            if address not in approved:
                admit(address)  # canonicalises, then raises OutOfScope: nothing is sent
            family, timeout = family_of(address)
            sock = new_socket(family, stype)
            try:
                code = sock.connect_ex((address, port) if family == socket.AF_INET else (address, port, 0, 0))
                if code == einprogress:
                    code = sock.getsockopt(sol, so_error)
                    if code == 0 and not _connected(sock):
                        code = await self._wait(sock, timeout)
                        batch = -1  # this worker just yielded; progress is reported below
                        if code == 0 and not _connected(sock):
                            code = errno.ECONNREFUSED  # a self-connect: nothing listens there
                elif code == 0 and not _connected(sock):
                    code = errno.ECONNREFUSED
            finally:
                sock.close()
            if code == errno.ECONNREFUSED:
                result.done += 1
            else:
                self._record(address, port, code)
            batch += 1
            if batch == 0:
                await self.report()  # time-throttled: a slow network scan still reports as it goes
            elif batch >= _BATCH:
                batch = 0
                await self.report()
                await asyncio.sleep(0)

    async def _wait(self, sock: socket.socket, timeout: float) -> int:
        """Wait for an in-flight connect; ETIMEDOUT when the deadline passes (a filtered port)."""
        waiter = self.loop.create_future()
        fd = sock.fileno()
        self.loop.add_writer(fd, _wake, waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            return errno.ETIMEDOUT
        finally:
            self.loop.remove_writer(fd)
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)

    def _record(self, address: str, port: int, code: int) -> None:
        result = self.result
        result.done += 1
        if code == 0:
            result.open.append((address, port))
        elif code in _TIMEOUT:
            result.filtered[address] += 1
        elif code not in _CLOSED:
            result.failures[(address, errno.errorcode.get(code, str(code)))] += 1


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def jobs(addresses: Sequence[str], ports: Sequence[int]) -> Iterator[tuple[str, int]]:
    """Port-major order: each port across every host, so no single host takes a burst."""
    for port in ports:
        for address in addresses:
            yield address, port


async def sweep(
    addresses: Sequence[str],
    ports: Sequence[int],
    *,
    guard: Guard,
    concurrency: int = 512,
    rate: float | None = None,
    timeout: float = 1.5,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Sweep:
    """Try every address × port once; returns open pairs, failures by reason, and why it stopped."""
    guard.admit_all(addresses)  # a bad list is refused whole, before the first packet
    total = len(addresses) * len(ports)
    run = _Run(
        jobs(addresses, ports),
        total,
        guard=guard,
        timeout=timeout,
        rate=rate,
        progress=progress,
        cancel=cancel,
    )
    workers = max(1, min(concurrency, total))
    await run.report(force=True)
    await asyncio.gather(*(run.worker() for _ in range(workers)))
    run.should_stop()
    await run.report(force=True)
    run.result.open.sort(key=lambda pair: (ipaddress.ip_address(pair[0]), pair[1]))
    return run.result
