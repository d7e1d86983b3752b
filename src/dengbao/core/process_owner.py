"""Who runs a piece of background work, and whether that process still exists.

A job records its owner when it starts: the host name, the process ID, the kernel's boot ID
(``/proc/sys/kernel/random/boot_id``, new at every boot) and the process's start time (in
clock ticks since boot, from ``/proc/PID/stat``; it tells a recycled PID from the owner).
At the next start of a serving process, work whose owner is gone is marked failed instead of
staying "running" forever.

``liveness`` is the decision, pure: it is given the facts about this machine and a way to ask
for a process's start time. ``this_process`` and ``process_start`` read them from /proc.
"""

from __future__ import annotations

import enum
import os
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class Liveness(enum.Enum):
    ALIVE = "alive"
    DEAD = "dead"
    UNKNOWN = "unknown"  # another host: only that host can tell


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    boot_id: str = ""
    started: int | None = None  # clock ticks after boot; None where /proc is missing

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> Owner | None:
        """The owner stored on a job, or None when none was recorded (or it is malformed)."""
        if not data:
            return None
        try:
            started = data.get("started")
            return cls(
                host=str(data["host"]),
                pid=int(data["pid"]),
                boot_id=str(data.get("boot_id") or ""),
                started=None if started is None else int(started),
            )
        except (KeyError, TypeError, ValueError):
            return None


def liveness(
    owner: Owner,
    *,
    host: str,
    boot_id: str,
    process_start: Callable[[int], int | None],
) -> Liveness:
    """Is ``owner`` still running, as seen from a process on ``host`` booted as ``boot_id``?

    ``process_start(pid)`` answers the start time of a live process, None when there is none
    (or -1 when the process exists but its start time cannot be read).
    """
    if owner.host != host:
        return Liveness.UNKNOWN
    if owner.boot_id and boot_id and owner.boot_id != boot_id:
        return Liveness.DEAD  # the machine rebooted since: every process of that boot is gone
    if owner.pid <= 0:
        return Liveness.DEAD
    started = process_start(owner.pid)
    if started is None:
        return Liveness.DEAD
    if owner.started is not None and started >= 0 and started != owner.started:
        return Liveness.DEAD  # the PID now belongs to a later process
    return Liveness.ALIVE


def boot_id() -> str:
    try:
        return BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def process_start(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks after boot; None when it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return _exists_by_signal(pid)
    # Field 2 (the command name) is in parentheses and may hold spaces: split after its last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        if fields[0] in ("Z", "X"):  # a zombie waiting to be reaped has finished its work
            return None
        return int(fields[19])  # field 22 of the whole line
    except (IndexError, ValueError):
        return -1


def _exists_by_signal(pid: int) -> int | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return -1
    return -1


def this_process() -> Owner:
    pid = os.getpid()
    started = process_start(pid)
    return Owner(
        host=socket.gethostname(),
        pid=pid,
        boot_id=boot_id(),
        started=started if started is not None and started >= 0 else None,
    )


def is_alive_here(owner: Owner) -> Liveness:
    """``liveness`` as seen from this process."""
    return liveness(owner, host=socket.gethostname(), boot_id=boot_id(), process_start=process_start)
