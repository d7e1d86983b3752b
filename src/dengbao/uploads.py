"""One way in for every file a user sends: streamed, bounded by the bytes actually read (the
declared size is not trusted), refused when empty, and hashed with SHA-256 and, where the
platform's OpenSSL has it, SM3 (GB/T 32905, what Chinese evidence rules ask for).

Services call ``receive`` (then store the upload), ``spool`` (a bounded temporary copy a parser
can stream) or ``read`` (the bytes, for small inputs parsed in memory).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from dengbao.errors import TooBig

SM3 = "sm3" in hashlib.algorithms_available


@dataclass(frozen=True)
class Received:
    name: str  # the file's own name, without any folder, at most 200 characters
    size: int  # bytes actually read
    sha256: str
    sm3: str  # "" where OpenSSL has no SM3
    content_type: str


def limit_bytes() -> int:
    return int(settings.DENGBAO_MAX_UPLOAD_BYTES)


def limit_text(limit: int | None = None) -> str:
    limit = limit_bytes() if limit is None else limit
    return f"{limit / 1048576:g} MB" if limit >= 1048576 else f"{limit / 1024:g} KB"


def too_big(name: str, limit: int | None = None) -> TooBig:
    return TooBig(f"文件“{name}”过大：上限 {limit_text(limit)}", code="too_big")


def clean_name(raw: str | None, default: str = "file") -> str:
    """The last path component of a browser-sent name (Windows or POSIX), at most 200 characters."""
    return (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or default


class _Hashes:
    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.sm3: Any = hashlib.new("sm3") if SM3 else None
        self.size = 0

    def update(self, chunk: bytes, name: str, limit: int) -> None:
        self.size += len(chunk)
        if self.size > limit:
            raise too_big(name, limit)
        self.sha256.update(chunk)
        if self.sm3 is not None:
            self.sm3.update(chunk)

    def result(self, upload: UploadedFile, name: str, *, allow_empty: bool = False) -> Received:
        if self.size == 0 and not allow_empty:
            raise ValidationError(f"文件“{name}”为空", code="empty")
        return Received(
            name=name,
            size=self.size,
            sha256=self.sha256.hexdigest(),
            sm3=self.sm3.hexdigest() if self.sm3 is not None else "",
            content_type=(getattr(upload, "content_type", "") or "")[:100],
        )


def _start(upload: UploadedFile, default_name: str, limit: int | None) -> tuple[str, int, _Hashes]:
    name = clean_name(upload.name, default_name)
    limit = limit_bytes() if limit is None else limit
    if upload.size is not None and upload.size > limit:
        raise too_big(name, limit)  # refused before reading a byte
    return name, limit, _Hashes()


def receive(upload: UploadedFile, *, default_name: str = "file", limit: int | None = None) -> Received:
    """Hash an upload in chunks, refusing it past the limit or when empty; rewound for storing."""
    name, limit, hashes = _start(upload, default_name, limit)
    for chunk in upload.chunks():
        hashes.update(chunk, name, limit)
    upload.seek(0)
    return hashes.result(upload, name)


def read(
    upload: UploadedFile, *, default_name: str = "file", limit: int | None = None
) -> tuple[bytes, Received]:
    """The upload's bytes (bounded) with its hashes, for inputs parsed in memory."""
    name, limit, hashes = _start(upload, default_name, limit)
    parts = []
    for chunk in upload.chunks():
        hashes.update(chunk, name, limit)
        parts.append(chunk)
    upload.seek(0)
    return b"".join(parts), hashes.result(upload, name)


def spool(upload: UploadedFile, directory: str | None = None) -> tuple[Path, Received]:
    """Write an upload to a temporary file (bounded) so a parser can stream it; the caller deletes it."""
    name, limit, hashes = _start(upload, "upload", None)
    handle = tempfile.NamedTemporaryFile(
        prefix="dengbao-import-", suffix=Path(name).suffix[:16], dir=directory, delete=False
    )
    path = Path(handle.name)
    try:
        with handle:
            for chunk in upload.chunks():
                hashes.update(chunk, name, limit)
                handle.write(chunk)
        return path, hashes.result(upload, name, allow_empty=True)  # the parser names the empty format
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
