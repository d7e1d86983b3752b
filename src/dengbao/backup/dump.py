"""Writing a backup archive: the database as one consistent snapshot, then the media files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.utils import timezone

from dengbao import __version__
from dengbao.core import backup_manifest as bm

from .common import ALIAS, BackupError, _media_root, applied_migrations, dumped_models


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds: audit records hash their time to the microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _TextSink:
    """The text stream the serializer writes to, hashed and written as UTF-8."""

    def __init__(self, raw: BinaryIO) -> None:
        self.out = bm.HashingWriter(raw)

    def write(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))


@dataclass(frozen=True)
class BackupSummary:
    archive: str
    size: int
    sha256: str
    created_at: str
    dengbao_version: str
    database_vendor: str
    objects: int
    models: dict[str, int]
    media_files: int
    media_bytes: int
    skipped_media: list[str]
    audit_key_included: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _own_fields(model: type[models.Model]) -> list[str]:
    # Only the table's own columns: m2m rows travel as rows of their through table.
    return [f.name for f in model._meta.local_fields if f.serialize]


@contextmanager
def _snapshot() -> Iterator[None]:
    """One read-only transaction that sees a single consistent state of the database."""
    connection = connections[ALIAS]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        raise BackupError("backup must not run inside another transaction (it needs its own snapshot)")
    connection.ensure_connection()
    saved_mode = getattr(connection, "transaction_mode", None)
    if connection.vendor == "sqlite":
        # A deferred transaction in WAL mode reads one snapshot and does not block writers.
        connection.transaction_mode = "DEFERRED"
    try:
        with transaction.atomic(using=ALIAS):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
    finally:
        if connection.vendor == "sqlite":
            connection.transaction_mode = saved_mode


def _counted(rows: Iterable[Any], progress: bm.Progress, tally: list[int]) -> Iterator[Any]:
    for row in rows:
        yield row
        tally[0] += 1
        if tally[0] % 500 == 0:
            progress.advance(500)
    progress.advance(tally[0] % 500)


def _audit_head() -> bm.AuditHead:
    """The chain's last record and key fingerprint, as the snapshot sees them."""
    from dengbao.audit.models import AuditEvent, AuditHead

    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, "")
    key_id = AuditHead.objects.filter(pk=1).values_list("key_id", flat=True).first() or ""
    return bm.AuditHead(seq=last[0], hash=last[1], key_id=key_id)


def _dump_database(
    path: Path, progress: bm.Progress
) -> tuple[dict[str, list[str]], dict[str, int], bm.Member, bm.AuditHead]:
    serializer = serializers.get_serializer("jsonl")()
    counts: dict[str, int] = {}
    with _snapshot(), open(path, "wb") as raw:
        migrations = applied_migrations()
        audit_head = _audit_head()
        todo = [(m, m._base_manager.using(ALIAS).order_by("pk")) for m in dumped_models()]
        progress.start("数据库 database", sum(qs.count() for _, qs in todo))
        sink = _TextSink(raw)
        for model, queryset in todo:
            tally = [0]
            rows = _counted(queryset.iterator(chunk_size=2000), progress, tally)
            serializer.serialize(rows, stream=sink, fields=_own_fields(model), cls=_Encoder)
            counts[model._meta.label] = tally[0]
    member = bm.Member(name=bm.DATABASE_NAME, size=sink.out.size, sha256=sink.out.sha256)
    return migrations, counts, member, audit_head


def _media_files(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """Regular files under MEDIA_ROOT as (posix path relative to it, path); and what was skipped.

    Symbolic links are not followed (they could point anywhere on the machine).
    """
    files: list[tuple[str, Path]] = []
    skipped: list[str] = []
    if not root.is_dir():
        return files, skipped
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(filenames) + [d for d in dirnames if (base / d).is_symlink()]:
            path = base / name
            relative = path.relative_to(root).as_posix()
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:
                skipped.append(relative.encode("utf-8", "replace").decode())
                continue
            if not stat.S_ISREG(os.lstat(path).st_mode) or bm.unsafe_name_reason(bm.media_name(relative)):
                skipped.append(relative)
                continue
            files.append((relative, path))
    return files, skipped


def create(
    *,
    output: Path,
    progress: bm.Progress | None = None,
    actor_name: str = "",
    include_audit_key: bool = False,
) -> BackupSummary:
    """Write the archive to ``output`` (which appears only once complete) and audit it.

    The audit chain's key goes in only with ``include_audit_key`` (the archive then lets
    whoever holds it rewrite the log it contains: keep such an archive as safe as the key).
    """
    from dengbao.audit import keys
    from dengbao.audit import services as audit

    if include_audit_key and not keys.key_path().is_file():
        raise BackupError(f"--include-audit-key: the audit key file {keys.key_path()} does not exist")

    progress = progress or bm.SilentProgress()
    output = Path(output).absolute()
    media_root = _media_root()
    if output.resolve().is_relative_to(media_root):
        raise BackupError(f"the archive may not be written inside MEDIA_ROOT ({media_root})")
    if not output.parent.is_dir():
        raise BackupError(f"folder {output.parent} does not exist")
    created_at = timezone.now().astimezone(dt.UTC).isoformat()
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        dump_path = work / bm.DATABASE_NAME
        migrations, counts, db_member, audit_head = _dump_database(dump_path, progress)
        files, skipped = _media_files(media_root)
        progress.start("上传文件 media", len(files))
        media_members = []
        for relative, path in files:
            media_members.append(bm.file_member(bm.media_name(relative), path))
            progress.advance(1)
        key_members = [bm.file_member(bm.AUDIT_KEY_NAME, keys.key_path())] if include_audit_key else []
        manifest = bm.build(
            dengbao_version=__version__,
            created_at=created_at,
            database_vendor=connections[ALIAS].vendor,
            migrations=migrations,
            models=counts,
            members=[db_member, *key_members, *media_members],
            audit=audit_head,
        )
        sources = {bm.DATABASE_NAME: dump_path} | {bm.media_name(rel): path for rel, path in files}
        if key_members:
            sources[bm.AUDIT_KEY_NAME] = keys.key_path()
        size, digest = bm.write_archive(work / "archive.tmp", manifest, sources, progress)
        os.replace(work / "archive.tmp", output)
    except bm.ArchiveError as exc:
        raise BackupError(str(exc)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = BackupSummary(
        archive=str(output),
        size=size,
        sha256=digest,
        created_at=created_at,
        dengbao_version=__version__,
        database_vendor=manifest.database_vendor,
        objects=manifest.objects,
        models=dict(manifest.models),
        media_files=len(media_members),
        media_bytes=sum(m.size for m in media_members),
        skipped_media=skipped,
        audit_key_included=include_audit_key,
    )
    details = {
        "archive": output.name,
        "sha256": digest,
        "objects": summary.objects,
        "audit_key_included": include_audit_key,
    }
    audit.record(actor=None, actor_name=actor_name, action="backup.create", details=details)
    return summary
