"""The one check every zip-based upload passes before it is opened (.xlsx, .docx, archives).

``check_zip`` reads only the zip's central directory — no member is decompressed — and
refuses, with ``ZipRefused`` and a message in the user's words, a file that

- is not a zip at all, or has a damaged directory;
- has more members than ``max_members``;
- declares more than ``max_total_bytes`` uncompressed in all;
- has a member larger than ``ratio_floor_bytes`` that expands more than ``max_ratio``
  times (a zip bomb's signature: real Office XML compresses 5 to 30 times);
- names a member with an absolute path, a drive letter, a ``..`` step, a backslash or a
  NUL, or is a symbolic link, or names the same member twice.

The declared sizes can be trusted as upper bounds for readers built on Python's
``zipfile`` (openpyxl, python-docx, docxtpl): ``ZipExtFile`` never returns more than a
member's declared ``file_size`` and fails the CRC check when the data would run longer.

Limits: ``ZipLimits`` (defaults below); the Django settings read ``DENGBAO_ZIP_*`` with
``ZipLimits.from_env`` and ``configure`` them at start, as for the template limits.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from dengbao.core.envlimits import positive_ints

MB = 1024 * 1024


class ZipRefused(ValueError):
    """A zip refused before opening; ``str(exc)`` is the reason in Chinese, for the user."""


@dataclass(frozen=True)
class ZipLimits:
    max_total_mb: int = 200
    max_members: int = 5000
    max_ratio: int = 200
    ratio_floor_kb: int = 1024  # members smaller than this are not ratio-checked

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ZipLimits:
        return cls(**positive_ints(environ, _VARIABLES))


_VARIABLES = {
    "max_total_mb": "DENGBAO_ZIP_MAX_TOTAL_MB",
    "max_members": "DENGBAO_ZIP_MAX_MEMBERS",
    "max_ratio": "DENGBAO_ZIP_MAX_RATIO",
    "ratio_floor_kb": "DENGBAO_ZIP_RATIO_FLOOR_KB",
}
_configured = ZipLimits()


def configure(limits: ZipLimits) -> None:
    """Set the limits used when a caller passes none (the Django app does this from settings)."""
    global _configured
    _configured = limits


def configured() -> ZipLimits:
    return _configured


@dataclass(frozen=True)
class ZipSummary:
    members: int
    total_bytes: int


def check_zip(source: BinaryIO | bytes | str | os.PathLike, limits: ZipLimits | None = None) -> ZipSummary:
    """Refuse ``source`` (a seekable binary stream, bytes or a path) when it breaks the limits.

    A stream is left at the position it had. Raises ``ZipRefused``; returns the member count
    and the declared uncompressed total when the zip is acceptable.
    """
    limits = limits or _configured
    if isinstance(source, bytes | bytearray):
        import io

        source = io.BytesIO(source)
    stream = None if isinstance(source, str | os.PathLike) or not hasattr(source, "tell") else source
    position = stream.tell() if stream is not None else None
    try:
        try:
            with zipfile.ZipFile(source) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise ZipRefused("文件不是有效的压缩包（.xlsx/.docx 均为 zip 格式），可能已损坏") from None
        return _check_members(infos, limits)
    finally:
        if stream is not None and position is not None:
            stream.seek(position)


def _check_members(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> ZipSummary:
    if len(infos) > limits.max_members:
        raise ZipRefused(f"压缩包中的文件过多：{len(infos)} 个，上限为 {limits.max_members} 个")
    total = 0
    seen: set[str] = set()
    for info in infos:
        _check_name(info)
        key = info.filename.rstrip("/").lower()
        if key in seen:
            raise ZipRefused(f"压缩包中有重复的文件名：{_shown(info.filename)}")
        seen.add(key)
        total += info.file_size
        if total > limits.max_total_mb * MB:
            raise ZipRefused(
                f"文件解压后过大：超过 {limits.max_total_mb} MB 上限，已拒绝（可能是“压缩炸弹”）"
            )
        if info.file_size > limits.ratio_floor_kb * 1024:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise ZipRefused(
                    f"压缩包中的 {_shown(info.filename)} 压缩比异常"
                    f"（{ratio:.0f} 倍，上限 {limits.max_ratio} 倍），已拒绝（可能是“压缩炸弹”）"
                )
    return ZipSummary(members=len(infos), total_bytes=total)


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename if hasattr(info, "orig_filename") else info.filename
    bad = (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or ".." in PurePosixPath(name).parts
        or len(name) > 1024
    )
    if bad:
        raise ZipRefused(f"压缩包中的文件名不安全：{_shown(name)}")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ZipRefused(f"压缩包中含有符号链接：{_shown(name)}")


def _shown(name: str) -> str:
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return f"“{clean[:80]}”"
