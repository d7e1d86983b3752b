"""Bounded uploads: every file a user sends is hashed and refused beyond DENGBAO_MAX_UPLOAD_BYTES."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile


def limit_text() -> str:
    limit = settings.DENGBAO_MAX_UPLOAD_BYTES
    return f"{limit / 1048576:g} MB" if limit >= 1048576 else f"{limit / 1024:g} KB"


def too_big(name: str) -> ValidationError:
    return ValidationError(f"文件“{name}”过大：上限 {limit_text()}", code="too_big")


@dataclass(frozen=True)
class Hashed:
    name: str
    size: int
    sha256: str


def hash_upload(upload: UploadedFile) -> Hashed:
    """Hash an upload in chunks, refusing it past the limit (its declared size is not trusted)."""
    limit = settings.DENGBAO_MAX_UPLOAD_BYTES
    name = Path(upload.name or "upload").name[:200]
    if upload.size is not None and upload.size > limit:
        raise too_big(name)
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise too_big(name)
        digest.update(chunk)
    if size == 0:
        raise ValidationError(f"文件“{name}”为空")
    upload.seek(0)
    return Hashed(name=name, size=size, sha256=digest.hexdigest())


def spool(upload: UploadedFile, directory: str | None = None) -> tuple[Path, Hashed]:
    """Write an upload to a temporary file (bounded) so a parser can stream it; the caller deletes it."""
    limit = settings.DENGBAO_MAX_UPLOAD_BYTES
    name = Path(upload.name or "upload").name[:200]
    if upload.size is not None and upload.size > limit:
        raise too_big(name)
    digest, size = hashlib.sha256(), 0
    suffix = Path(name).suffix[:16]
    handle = tempfile.NamedTemporaryFile(prefix="dengbao-import-", suffix=suffix, dir=directory, delete=False)
    path = Path(handle.name)
    try:
        with handle:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise too_big(name)
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, Hashed(name=name, size=size, sha256=digest.hexdigest())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
