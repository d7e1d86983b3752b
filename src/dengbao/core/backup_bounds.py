"""Bounds a restore checks before it unpacks anything, and the reader that holds it to them.

The manifest says how many bytes the archive unpacks to. Before a single member is
written, that total is compared with a ceiling, with the archive's compressed size
(the compression ratio) and with the free disk space; and while unpacking, the
decompressed stream is cut off as soon as it runs past what the manifest declared
(plus the tar format's own headers and padding). So a small archive that claims a
small manifest but expands to gigabytes, or hides a long run of zeros after the tar,
is refused having written at most what was declared. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

MB = 1024 * 1024
BLOCK = 512
RECORD = 20 * BLOCK
_SLACK = 64 * 1024  # end-of-archive blocks, record padding, the global header


class BoundsError(ValueError):
    """The archive is beyond a restore limit; the message names the limit and its setting."""


@dataclass(frozen=True)
class RestoreLimits:
    max_bytes: int  # DENGBAO_RESTORE_MAX_MB
    max_ratio: int  # DENGBAO_RESTORE_MAX_RATIO
    keep_free_bytes: int  # DENGBAO_RESTORE_KEEP_FREE_MB

    @classmethod
    def from_mb(cls, *, max_mb: int, max_ratio: int, keep_free_mb: int) -> RestoreLimits:
        return cls(max_bytes=max_mb * MB, max_ratio=max_ratio, keep_free_bytes=keep_free_mb * MB)


def tar_bytes(names_and_sizes: Iterable[tuple[str, int]]) -> int:
    """The most a PAX tar of these members can take: data padded to blocks, a header and a PAX header each."""
    total = _SLACK
    for name, size in names_and_sizes:
        pax = len(name.encode("utf-8")) * 2 + 256  # path, mtime and size records, generously
        total += BLOCK + _blocks(size) + BLOCK + _blocks(pax) + BLOCK
    return total + RECORD


def _blocks(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def check(
    *, declared: int, stream_bytes: int, archive_bytes: int, free_bytes: int, limits: RestoreLimits
) -> None:
    """Refuse before unpacking: too large, too compressed, or not enough disk left afterwards.

    ``declared`` is the members' total from the manifest; ``stream_bytes`` what the tar
    stream may decompress to (``tar_bytes``); ``free_bytes`` the free space where the
    staging folder is made. The unpacked members and a database as large as its dump
    must fit and still leave ``keep_free_bytes``.
    """
    if declared > limits.max_bytes:
        raise BoundsError(
            f"the archive unpacks to {_mb(declared)} MB, more than the limit of {_mb(limits.max_bytes)} MB "
            "(setting DENGBAO_RESTORE_MAX_MB)"
        )
    ratio = stream_bytes / max(archive_bytes, 1)
    if ratio > limits.max_ratio:
        raise BoundsError(
            f"the archive expands {ratio:.0f} times its compressed size of {archive_bytes} bytes, "
            f"more than the limit of {limits.max_ratio} (setting DENGBAO_RESTORE_MAX_RATIO; a zip bomb?)"
        )
    needed = declared + limits.keep_free_bytes
    if free_bytes < needed:
        raise BoundsError(
            f"not enough free disk space: unpacking needs {_mb(declared)} MB and "
            f"{_mb(limits.keep_free_bytes)} MB must stay free (setting DENGBAO_RESTORE_KEEP_FREE_MB), "
            f"but only {_mb(free_bytes)} MB are free"
        )


def _mb(n: int) -> str:
    return f"{n / MB:.1f}"


class BoundedReader:
    """Reads from a (decompressing) stream, refusing to go past ``limit`` bytes in all.

    The limit starts at what the manifest may take and is raised once the manifest is
    accepted (``allow``) to what its members may take.
    """

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.read_bytes = 0

    def allow(self, limit: int) -> None:
        self.limit = limit

    def read(self, n: int = -1) -> bytes:
        room = self.limit - self.read_bytes
        if n < 0 or n > room + 1:
            n = room + 1  # one byte more than allowed shows that there is more
        data = self.raw.read(n)
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise BoundsError(
                f"the archive unpacks to more than its manifest declares (over {self.limit} bytes); "
                "refused before writing past the declared size"
            )
        return data
