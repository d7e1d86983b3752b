"""Collection bundles: a tar.gz (or a zip, from hosts without tar) holding ``manifest.json``
and one output file per command.

The manifest names each command, its output file, exit code and SHA-256; reading a
bundle verifies every hash and refuses links, absolute paths and oversize members.
Output files are UTF-8 unless they start with a byte-order mark (Windows tools such as
secedit write UTF-16LE with a BOM).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
MAX_MEMBERS = 2000
SKIPPED = 125  # the collector's exit code for a command skipped when its time budget ran out


class BundleError(ValueError):
    pass


@dataclass(frozen=True)
class Bundle:
    manifest: dict
    artefacts: dict[str, str]  # artefact name → output text
    exit_codes: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def platform(self) -> str:
        return str(self.manifest.get("platform", ""))

    @property
    def host(self) -> dict:
        host = self.manifest.get("host")
        return host if isinstance(host, dict) else {}


def read_bundle(stream: BinaryIO | bytes) -> Bundle:
    """Open a bundle and check it against its manifest; a hash mismatch is an error, not a warning."""
    data = stream if isinstance(stream, bytes) else stream.read()
    files: dict[str, bytes] = {}
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        _zip_members(data, files)
    else:
        try:
            tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BundleError(f"不是有效的采集包（tar.gz 或 zip）：{exc}") from None
        try:
            with tar:
                _members(tar, files)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise BundleError(f"采集包已损坏：{exc}") from None
    raw_manifest = files.get("manifest.json")
    if raw_manifest is None:
        raise BundleError("采集包缺少 manifest.json")
    try:
        manifest = json.loads(decode(raw_manifest))
    except json.JSONDecodeError as exc:
        raise BundleError(f"manifest.json 不是有效的 JSON：第 {exc.lineno} 行：{exc.msg}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("commands"), list):
        raise BundleError("manifest.json: commands: 缺失或不是列表")
    artefacts: dict[str, str] = {}
    codes: dict[str, int] = {}
    warnings: list[str] = []
    for i, entry in enumerate(manifest["commands"], start=1):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("name", "file", "sha256")
        ):
            raise BundleError(f"manifest.json: commands[{i}]: 需要文本字段 name、file、sha256")
        body = files.get(entry["file"])
        if body is None:
            raise BundleError(f"manifest.json: commands[{i}]: 文件 {entry['file']} 不在采集包中")
        if hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise BundleError(f"{entry['file']}：SHA-256 与清单不符，采集包可能被修改")
        try:
            codes[entry["name"]] = int(entry.get("rc", 0))
        except (TypeError, ValueError):
            warnings.append(f"{entry['name']}: 退出码无效")
        if codes.get(entry["name"]) == SKIPPED:
            warnings.append(f"{entry['name']}：超出采集时限，未执行")
            continue  # not collected: rules that read it are errors, not failures
        artefacts[entry["name"]] = decode(body)
    return Bundle(manifest=manifest, artefacts=artefacts, exit_codes=codes, warnings=tuple(warnings))


def _members(tar: tarfile.TarFile, files: dict[str, bytes]) -> None:
    total = 0
    for n, member in enumerate(tar):
        if n >= MAX_MEMBERS:
            raise BundleError(f"采集包文件过多（上限 {MAX_MEMBERS}）")
        if member.isdir():
            continue
        name = member.name.removeprefix("./")
        if not member.isfile() or name.startswith("/") or ".." in name.split("/"):
            raise BundleError(f"采集包含不允许的条目：{member.name}")
        if member.size > MAX_MEMBER_BYTES:
            raise BundleError(f"{name}：单个文件过大")
        total += member.size
        if total > MAX_TOTAL_BYTES:
            raise BundleError("采集包解压后过大")
        extracted = tar.extractfile(member)
        if name.count("/") and name.split("/")[0] != "out":
            name = name.split("/", 1)[1]  # a bundle packed with a top-level folder
        files[name] = extracted.read() if extracted else b""


def decode(body: bytes) -> str:
    """Text of an output file: by its byte-order mark (UTF-8, UTF-16LE/BE), else UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace")
    return body.decode("utf-8", errors="replace")


def _zip_members(data: bytes, files: dict[str, bytes]) -> None:
    """A zip bundle, under the tar limits; sizes are bounded by the bytes actually inflated,
    not by what the (forgeable) central directory declares."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BundleError(f"不是有效的采集包（zip）：{exc}") from None
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BundleError(f"采集包文件过多（上限 {MAX_MEMBERS}）")
        for info in infos:
            name = info.filename.replace("\\", "/")
            if name.endswith("/"):
                continue
            mode = info.external_attr >> 16
            is_link = info.create_system == 3 and (mode & 0o170000) not in (0, 0o100000)
            if (
                is_link
                or name.startswith("/")
                or ":" in name
                or ".." in name.split("/")
                or info.flag_bits & 0x1  # encrypted
            ):
                raise BundleError(f"采集包含不允许的条目：{info.filename}")
            if info.file_size > MAX_MEMBER_BYTES:
                raise BundleError(f"{name}：单个文件过大")
            chunks: list[bytes] = []
            size = 0
            try:
                with archive.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        size += len(chunk)
                        total += len(chunk)
                        if size > MAX_MEMBER_BYTES:
                            raise BundleError(f"{name}：单个文件过大")
                        if total > MAX_TOTAL_BYTES:
                            raise BundleError("采集包解压后过大")
                        chunks.append(chunk)
            except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error) as exc:
                raise BundleError(f"采集包已损坏：{exc}") from None
            if name.count("/") and name.split("/")[0] != "out":
                name = name.split("/", 1)[1]  # a bundle packed with a top-level folder
            files[name] = b"".join(chunks)
