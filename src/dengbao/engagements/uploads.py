"""Bounded file uploads: the size is counted while hashing (the declared size is not trusted)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile


@dataclass(frozen=True)
class Checked:
    name: str
    size: int
    sha256: str


def limit_text() -> str:
    limit = settings.DENGBAO_MAX_UPLOAD_BYTES
    return f"{limit / 1048576:g} MB" if limit >= 1048576 else f"{limit / 1024:g} KB"


def check(upload: UploadedFile, *, default_name: str = "file") -> Checked:
    """Refuse an empty file or one over ``DENGBAO_MAX_UPLOAD_BYTES``; return its name, size and SHA-256."""
    limit = settings.DENGBAO_MAX_UPLOAD_BYTES
    name = (upload.name or default_name).replace("\\", "/").rsplit("/", 1)[-1][:200] or default_name
    too_big = ValidationError(f"文件“{name}”过大：上限 {limit_text()}")
    if upload.size is not None and upload.size > limit:
        raise too_big
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise too_big
        digest.update(chunk)
    if size == 0:
        raise ValidationError(f"文件“{name}”为空")
    upload.seek(0)
    return Checked(name, size, digest.hexdigest())
