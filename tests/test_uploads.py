"""dengbao.uploads: every upload bounded by the bytes actually read, hashed once, named safely."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from dengbao import uploads


def lying(content: bytes, declared: int, name: str = "a.png") -> SimpleUploadedFile:
    """An upload whose declared size understates what it holds (a client can send any header)."""
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    upload.size = declared
    return upload


@override_settings(DENGBAO_MAX_UPLOAD_BYTES=1024)
def test_the_bytes_read_decide_not_the_declared_size():
    with pytest.raises(ValidationError, match="过大：上限 1 KB"):
        uploads.receive(lying(b"x" * 1025, declared=10))
    with pytest.raises(ValidationError, match="过大"):
        uploads.read(lying(b"x" * 1025, declared=10))
    with pytest.raises(ValidationError, match="过大"):  # the declared size alone refuses before reading
        uploads.receive(lying(b"x", declared=5000))
    assert uploads.receive(lying(b"x" * 1024, declared=1)).size == 1024


def test_hashes_content_type_and_name():
    content = "检查记录 evidence".encode() * 100
    got = uploads.receive(
        SimpleUploadedFile("C:\\Users\\张三\\截图 1.png", content, content_type="image/png")
    )
    assert got.name == "截图 1.png"
    assert got.size == len(content)
    assert got.sha256 == hashlib.sha256(content).hexdigest()
    assert got.content_type == "image/png"
    if uploads.SM3:
        assert got.sm3 == hashlib.new("sm3", content).hexdigest()
    data, again = uploads.read(SimpleUploadedFile("../../etc/passwd", content))
    assert data == content and again.sha256 == got.sha256 and again.name == "passwd"


def test_empty_is_refused_except_when_spooled_for_a_parser(tmp_path):
    with pytest.raises(ValidationError, match="为空"):
        uploads.receive(SimpleUploadedFile("empty.txt", b""))
    path, got = uploads.spool(SimpleUploadedFile("empty.xml", b""), directory=str(tmp_path))
    assert got.size == 0 and path.read_bytes() == b""


@override_settings(DENGBAO_MAX_UPLOAD_BYTES=2048)
def test_spool_removes_its_copy_when_refused(tmp_path):
    with pytest.raises(ValidationError, match="过大"):
        uploads.spool(lying(b"y" * 5000, declared=100, name="scan.xml"), directory=str(tmp_path))
    assert list(Path(tmp_path).iterdir()) == []
    path, got = uploads.spool(SimpleUploadedFile("scan.xml", b"<a/>"), directory=str(tmp_path))
    assert (
        path.read_bytes() == b"<a/>"
        and path.suffix == ".xml"
        and got.sha256 == hashlib.sha256(b"<a/>").hexdigest()
    )
