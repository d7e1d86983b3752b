"""The backup archive's format: its manifest, and the checks a restore makes before it touches anything.

A backup is one tar.gz whose first member is ``manifest.json``; it lists every other
member with its size and SHA-256, plus what is needed to judge whether the archive fits
this installation (dengbao version, database vendor, applied migrations). A restore
reads the archive once, checks each member against the manifest while copying it to
a staging folder, and only goes on when every check passed. Standard library only (no
Django): what goes into the archive and what is done with it is ``dengbao/backup.py``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

from . import backup_bounds as bounds

FORMAT = "dengbao-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "database.jsonl"
AUDIT_KEY_NAME = "audit.key"  # only with `dengbao backup --include-audit-key`
MEDIA_PREFIX = "media/"
MEDIA_DIR = "media"  # inside the staging folder of a restore
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
MAX_NAME_LENGTH = 4096
CHUNK = 1024 * 1024

_SHA256 = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")


class ArchiveError(ValueError):
    """The archive cannot be written or is not what its manifest says; the message says why."""


class ManifestError(ArchiveError):
    """The manifest itself is missing, unreadable or inconsistent."""


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...


class SilentProgress:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class AuditHead:
    """The audit chain in the dump: its last record and the fingerprint of the key it is linked with."""

    seq: int
    hash: str
    key_id: str


@dataclass(frozen=True)
class Manifest:
    dengbao_version: str
    created_at: str  # ISO 8601, UTC
    database_vendor: str
    migrations: Mapping[str, tuple[str, ...]]  # app label -> applied migration names, sorted
    models: Mapping[str, int]  # model label -> rows in the dump
    members: tuple[Member, ...]
    format_version: int = FORMAT_VERSION
    audit: AuditHead | None = None  # absent in archives made before the audit chain was keyed
    by_name: Mapping[str, Member] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {m.name: m for m in self.members})

    @property
    def objects(self) -> int:
        return sum(self.models.values())

    @property
    def media(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.name.startswith(MEDIA_PREFIX))

    @property
    def total_bytes(self) -> int:
        return sum(m.size for m in self.members)


def media_name(relative_posix_path: str) -> str:
    return MEDIA_PREFIX + relative_posix_path


def unsafe_name_reason(name: str) -> str | None:
    """Why ``name`` may not be a member of a backup archive, or None if it may.

    Refuses absolute paths, drive letters, ``..``, empty or ``.`` components, NUL, and
    anything outside the three places a backup writes (manifest, database, media/).
    """
    if not name:
        return "empty member name"
    if len(name) > MAX_NAME_LENGTH:
        return "member name too long"
    if "\x00" in name:
        return "member name contains NUL"
    if name.startswith("/") or _DRIVE.match(name):
        return "absolute path"
    parts = name.split("/")
    if ".." in parts:
        return "path traversal ('..')"
    if any(part in ("", ".") for part in parts):
        return "empty or '.' path component"
    if name in (MANIFEST_NAME, DATABASE_NAME, AUDIT_KEY_NAME):
        return None
    if name.startswith(MEDIA_PREFIX) and len(parts) >= 2:
        return None
    return "not a place a dengbao backup writes to"


def build(
    *,
    dengbao_version: str,
    created_at: str,
    database_vendor: str,
    migrations: Mapping[str, Iterable[str]],
    models: Mapping[str, int],
    members: Iterable[Member],
    audit: AuditHead | None = None,
) -> Manifest:
    return Manifest(
        dengbao_version=dengbao_version,
        created_at=created_at,
        database_vendor=database_vendor,
        migrations={app: tuple(sorted(names)) for app, names in sorted(migrations.items())},
        models=dict(sorted(models.items())),
        members=tuple(members),
        audit=audit,
    )


def dumps(manifest: Manifest) -> bytes:
    data = {
        "format": FORMAT,
        "format_version": manifest.format_version,
        "dengbao_version": manifest.dengbao_version,
        "created_at": manifest.created_at,
        "database": {
            "vendor": manifest.database_vendor,
            "migrations": {app: list(names) for app, names in manifest.migrations.items()},
            "models": dict(manifest.models),
            "objects": manifest.objects,
        },
        "members": [{"name": m.name, "size": m.size, "sha256": m.sha256} for m in manifest.members],
    }
    if manifest.audit is not None:
        data["audit"] = {
            "head_seq": manifest.audit.seq,
            "head_hash": manifest.audit.hash,
            "key_id": manifest.audit.key_id,
        }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _need(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ManifestError(f"manifest: {where} is missing or has the wrong type")
    return value


def loads(data: bytes) -> Manifest:
    """Parse and check a manifest; ManifestError names the first thing wrong with it."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"manifest.json is not valid JSON ({exc})") from None
    _need(raw, dict, "the top level")
    if raw.get("format") != FORMAT:
        raise ManifestError("manifest.json does not describe a dengbao backup")
    version = _need(raw.get("format_version"), int, "format_version")
    if version != FORMAT_VERSION:
        raise ManifestError(f"backup format {version} is not supported (this dengbao reads {FORMAT_VERSION})")
    database = _need(raw.get("database"), dict, "database")
    migrations = _need(database.get("migrations"), dict, "database.migrations")
    for app, names in migrations.items():
        _need(names, list, f"database.migrations.{app}")
        for name in names:
            _need(name, str, f"database.migrations.{app}[]")
    models = _need(database.get("models"), dict, "database.models")
    for label, count in models.items():
        if _need(count, int, f"database.models.{label}") < 0:
            raise ManifestError(f"manifest: database.models.{label} is negative")
    members: list[Member] = []
    seen: set[str] = set()
    for index, entry in enumerate(_need(raw.get("members"), list, "members")):
        _need(entry, dict, f"members[{index}]")
        name = _need(entry.get("name"), str, f"members[{index}].name")
        size = _need(entry.get("size"), int, f"members[{index}].size")
        digest = _need(entry.get("sha256"), str, f"members[{index}].sha256")
        reason = unsafe_name_reason(name)
        if reason or name == MANIFEST_NAME:
            raise ManifestError(
                f"manifest lists an unsafe member {name!r}: {reason or 'the manifest itself'}"
            )
        if name in seen:
            raise ManifestError(f"manifest lists {name!r} twice")
        if size < 0 or not _SHA256.fullmatch(digest):
            raise ManifestError(f"manifest entry for {name!r} has a bad size or SHA-256")
        seen.add(name)
        members.append(Member(name=name, size=size, sha256=digest))
    if DATABASE_NAME not in seen:
        raise ManifestError(f"manifest does not list {DATABASE_NAME}")
    return build(
        dengbao_version=_need(raw.get("dengbao_version"), str, "dengbao_version"),
        created_at=_need(raw.get("created_at"), str, "created_at"),
        database_vendor=_need(database.get("vendor"), str, "database.vendor"),
        migrations=migrations,
        models=models,
        members=members,
        audit=_audit_head(raw.get("audit")),
    )


def _audit_head(raw: Any) -> AuditHead | None:
    if raw is None:
        return None
    _need(raw, dict, "audit")
    seq = _need(raw.get("head_seq"), int, "audit.head_seq")
    head_hash = _need(raw.get("head_hash"), str, "audit.head_hash")
    key_id = _need(raw.get("key_id"), str, "audit.key_id")
    if seq < 0 or len(head_hash) > 64 or len(key_id) > 32:
        raise ManifestError("manifest: audit head is out of range")
    return AuditHead(seq=seq, hash=head_hash, key_id=key_id)


def migration_differences(
    archived: Mapping[str, Iterable[str]], current: Mapping[str, Iterable[str]]
) -> list[str]:
    """Why the archive's schema is not this database's, one line per app; empty when equal.

    The dump is loaded into the current tables as they are, so the two schemas must
    be the same: an older dump may lack a column a newer migration fills in, and a
    newer one may carry a column this code does not know.
    """
    problems = []
    for app in sorted(set(archived) | set(current)):
        have, want = set(current.get(app, ())), set(archived.get(app, ()))
        if want - have:
            problems.append(f"{app}: archive has {', '.join(sorted(want - have))} not applied here")
        if have - want:
            problems.append(f"{app}: this database has {', '.join(sorted(have - want))} the archive lacks")
    return problems


def member_problem(member: Member | None, name: str, size: int, sha256: str | None = None) -> str | None:
    """Compare one archive member with its manifest entry (size before reading, hash after)."""
    if member is None:
        return f"{name!r} is in the archive but not in its manifest"
    if size != member.size:
        return f"{name!r} is {size} bytes, the manifest says {member.size}"
    if sha256 is not None and sha256 != member.sha256:
        return f"{name!r} does not match its SHA-256 in the manifest (altered or damaged)"
    return None


def missing_members(manifest: Manifest, seen: Iterable[str]) -> list[str]:
    return sorted(set(manifest.by_name) - set(seen))


class HashingReader:
    """Wraps a binary stream; counts and hashes what is read through it."""

    def __init__(self, raw: IO[bytes], *, on_read: Callable[[int], None] | None = None) -> None:
        self.raw = raw
        self.size = 0
        self._sha = hashlib.sha256()
        self._on_read = on_read

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self._sha.update(data)
        self.size += len(data)
        if self._on_read is not None and data:
            self._on_read(len(data))
        return data

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()


class HashingWriter:
    """Wraps a binary stream; counts and hashes what is written through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.size = 0
        self._sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._sha.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()


def copy_hashing(
    source: IO[bytes], target: IO[bytes], *, on_chunk: Callable[[int], None] | None = None
) -> tuple[int, str]:
    """Copy a stream in chunks, returning (bytes copied, SHA-256); never holds the whole file."""
    reader = HashingReader(source, on_read=on_chunk)
    while chunk := reader.read(CHUNK):
        target.write(chunk)
    return reader.size, reader.sha256


# --- the archive on disk ------------------------------------------------------------


def _open_nofollow(path: Path) -> BinaryIO:
    return os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")


def file_member(name: str, path: Path) -> Member:
    """A member entry for a file, read once in chunks to hash it."""
    with _open_nofollow(path) as fh:
        reader = HashingReader(fh)
        while reader.read(CHUNK):
            pass
    return Member(name=name, size=reader.size, sha256=reader.sha256)


def _tarinfo(name: str, size: int, mtime: float, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _add_checked(tar: tarfile.TarFile, member: Member, path: Path, progress: Progress) -> None:
    with _open_nofollow(path) as fh:
        reader = HashingReader(fh, on_read=progress.advance)
        info = _tarinfo(member.name, member.size, os.fstat(fh.fileno()).st_mtime, 0o640)
        try:
            tar.addfile(info, reader)
        except OSError as exc:
            raise ArchiveError(f"{member.name} changed while the backup ran ({exc}); run it again") from None
    if reader.sha256 != member.sha256:
        raise ArchiveError(f"{member.name} changed while the backup ran; run it again")


def write_archive(
    target: Path, manifest: Manifest, sources: Mapping[str, Path], progress: Progress
) -> tuple[int, str]:
    """Write the tar.gz (manifest first, then each member from ``sources``) to a new file, mode 0600.

    Returns the archive's size and SHA-256. Each member is hashed again while it is
    written, so a file that changed since the manifest was made fails the backup.
    """
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        out = HashingWriter(raw)
        mtime = dt.datetime.fromisoformat(manifest.created_at).timestamp()
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6, mtime=int(mtime)) as gz,
            tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            head = dumps(manifest)
            tar.addfile(_tarinfo(MANIFEST_NAME, len(head), mtime, 0o600), io.BytesIO(head))
            progress.start("写入归档 archive", manifest.total_bytes)
            for member in manifest.members:
                _add_checked(tar, member, sources[member.name], progress)
        raw.flush()
        os.fsync(raw.fileno())
    return out.size, out.sha256


def _staging_target(staging: Path, name: str) -> Path:
    if name in (DATABASE_NAME, AUDIT_KEY_NAME):
        return staging / name
    target = staging.joinpath(MEDIA_DIR, *name[len(MEDIA_PREFIX) :].split("/"))
    if not target.resolve().is_relative_to((staging / MEDIA_DIR).resolve()):
        raise ArchiveError(f"refused member {name!r}: it would land outside the media folder")
    return target


def _unpack_member(
    tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path, progress: Progress, file_mode: int | None
) -> tuple[int, str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    source = tar.extractfile(info)
    assert source is not None  # _unpack_members passes regular files only (info.isreg())
    with source, os.fdopen(fd, "wb") as sink:
        result = copy_hashing(source, sink, on_chunk=progress.advance)
    if file_mode is not None and info.name.startswith(MEDIA_PREFIX):
        os.chmod(target, file_mode)
    os.utime(target, (info.mtime, info.mtime))
    return result


def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    first = tar.next()
    if first is None:
        raise ArchiveError("the archive is empty")
    if first.name != MANIFEST_NAME or not first.isreg():
        raise ArchiveError("not a dengbao backup: manifest.json must be the first member")
    if first.size > MAX_MANIFEST_BYTES:
        raise ArchiveError("manifest.json is implausibly large")
    with tar.extractfile(first) as fh:  # type: ignore[union-attr]
        return loads(fh.read())


def _drain_to_end(gz: BinaryIO) -> None:
    """Read to the end so gzip checks its CRC and length; only zero padding may follow the tar."""
    while chunk := gz.read(CHUNK):
        if chunk.strip(b"\0"):
            raise ArchiveError("there is data after the end of the archive (appended or tampered)")


def _unpack_members(
    tar: tarfile.TarFile, manifest: Manifest, staging: Path, progress: Progress, file_mode: int | None
) -> None:
    seen: set[str] = set()
    while (info := tar.next()) is not None:
        name = info.name
        reason = unsafe_name_reason(name)
        if reason is None and not info.isreg():
            reason = "not a regular file (link, device or folder)"
        if reason is None and (name in seen or name == MANIFEST_NAME):
            reason = "appears twice"
        if reason:
            raise ArchiveError(f"refused member {name!r}: {reason}")
        problem = member_problem(manifest.by_name.get(name), name, info.size)
        if problem is None:
            target = _staging_target(staging, name)
            size, digest = _unpack_member(tar, info, target, progress, file_mode)
            problem = member_problem(manifest.by_name[name], name, size, digest)
        if problem:
            raise ArchiveError(problem)
        seen.add(name)
    missing = missing_members(manifest, seen)
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise ArchiveError(f"the archive is incomplete (truncated?): {len(missing)} missing: {shown}")


def unpack_checked(
    archive: Path,
    staging: Path,
    *,
    accept: Callable[[Manifest], None],
    progress: Progress,
    file_mode: int | None = None,
    limits: bounds.RestoreLimits | None = None,
    free_bytes: Callable[[], int] | None = None,
) -> Manifest:
    """Read the archive once, checking everything, into ``staging`` (database.jsonl, media/).

    ``accept`` looks at the manifest before any member is unpacked and raises to refuse
    it (the schema check). With ``limits``, the declared total, the compression ratio
    and ``free_bytes()`` are checked next, still before any member is unpacked, and the
    decompressed stream is cut off past what the manifest declares (BoundsError).
    Raises ArchiveError on the first problem: a member not in the manifest or missing
    from the archive, a size or hash that differs, an unsafe name, a link, a duplicate,
    trailing data, a damaged or truncated gzip stream.
    """
    archive_bytes = os.stat(archive).st_size
    first_limit = MAX_MANIFEST_BYTES
    if limits is not None:
        first_limit = min(first_limit, archive_bytes * limits.max_ratio, limits.max_bytes)
    (staging / MEDIA_DIR).mkdir()
    try:
        with open(archive, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            stream = bounds.BoundedReader(gz, bounds.tar_bytes([(MANIFEST_NAME, first_limit)]))  # type: ignore[arg-type]
            with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
                manifest = _read_manifest(tar)
                accept(manifest)
                expected = bounds.tar_bytes((m.name, m.size) for m in manifest.members)
                if limits is not None:
                    bounds.check(
                        declared=manifest.total_bytes,
                        stream_bytes=expected,
                        archive_bytes=archive_bytes,
                        free_bytes=free_bytes() if free_bytes is not None else 2**62,
                        limits=limits,
                    )
                stream.allow(stream.read_bytes + expected)
                progress.start("校验归档 verify", manifest.total_bytes)
                _unpack_members(tar, manifest, staging, progress, file_mode)
            _drain_to_end(stream)  # type: ignore[arg-type]
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeError) as exc:
        raise ArchiveError(
            f"the archive is damaged or truncated, or could not be unpacked ({type(exc).__name__}: {exc})"
        ) from None
    return manifest
