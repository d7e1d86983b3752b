"""Zip bundles (Windows hosts without tar.exe): the same manifest checks and limits as tar.gz."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from dengbao.core.collect import bundle as bundle_mod
from dengbao.core.collect.bundle import BundleError, decode, read_bundle


def _zip(members: dict[str, bytes], *, link: str = "", manifest: bool = True, tamper: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if manifest:
            commands = [
                {
                    "name": n.removeprefix("out/").removesuffix(".txt"),
                    "file": n,
                    "rc": 0,
                    "sha256": hashlib.sha256(b).hexdigest(),
                }
                for n, b in members.items()
            ]
            archive.writestr("manifest.json", json.dumps({"platform": "windows", "commands": commands}))
        for name, body in members.items():
            archive.writestr(name, body + (b"edited" if tamper else b""))
        if link:
            info = zipfile.ZipInfo(link)
            info.create_system = 3
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return out.getvalue()


def test_a_zip_bundle_is_read_and_its_hashes_checked():
    body = "net accounts\r\n最短密码长度: 8\r\n".encode("utf-16")
    read = read_bundle(_zip({"out/net_accounts.txt": body}))
    assert read.platform == "windows"
    assert read.artefacts["net_accounts"].splitlines()[1] == "最短密码长度: 8"
    with pytest.raises(BundleError, match="SHA-256 与清单不符"):
        read_bundle(_zip({"out/net_accounts.txt": body}, tamper=True))


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../escape.txt", "out/../../escape.txt", "C:/Windows/win.ini", "out\\..\\..\\x.txt"],
)
def test_absolute_and_escaping_names_are_refused(name):
    with pytest.raises(BundleError, match="不允许的条目"):
        read_bundle(_zip({name: b"x"}, manifest=False))


def test_a_symbolic_link_is_refused():
    with pytest.raises(BundleError, match=r"不允许的条目：out/link\.txt"):
        read_bundle(_zip({"out/a.txt": b"a"}, link="out/link.txt"))


def test_size_limits_count_the_bytes_inflated(monkeypatch):
    monkeypatch.setattr(bundle_mod, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(BundleError, match="单个文件过大"):
        read_bundle(_zip({"out/big.txt": b"0" * 5000}))
    # a central directory that under-declares the size does not get past the inflated bytes
    data = bytearray(_zip({"out/big.txt": b"0" * 5000}))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        while at != -1:
            if data[at + offset : at + offset + 4] == (5000).to_bytes(4, "little"):
                data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
            at = data.find(sig, at + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("out/big.txt").file_size == 10
    with pytest.raises(BundleError):
        read_bundle(bytes(data))
    monkeypatch.setattr(bundle_mod, "MAX_MEMBER_BYTES", 10_000)
    monkeypatch.setattr(bundle_mod, "MAX_TOTAL_BYTES", 12_000)
    with pytest.raises(BundleError, match="解压后过大"):
        read_bundle(_zip({f"out/part{i}.txt": b"0" * 5000 for i in range(3)}))


def test_too_many_members_are_refused(monkeypatch):
    monkeypatch.setattr(bundle_mod, "MAX_MEMBERS", 3)
    with pytest.raises(BundleError, match="文件过多"):
        read_bundle(_zip({f"out/p{i}.txt": b"x" for i in range(4)}))


def test_not_a_zip_is_a_bundle_error():
    with pytest.raises(BundleError, match="zip"):
        read_bundle(b"PK\x03\x04 not really a zip")


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"\xef\xbb\xbfabc", "abc"),
        ("abc".encode("utf-16-le").join([b"\xff\xfe", b""]), "abc"),
        ("abc".encode("utf-16-be").join([b"\xfe\xff", b""]), "abc"),
        ("口令".encode(), "口令"),
    ],
)
def test_output_text_is_decoded_by_its_byte_order_mark(body, text):
    assert decode(body) == text
