"""Backup and restore of a whole installation: every database row and every uploaded file.

One tar.gz holds ``manifest.json`` (first), ``database.jsonl`` and ``media/...``. The
database goes in as Django's serialisation of every model, so the archive does not
depend on the engine (an SQLite install can move to PostgreSQL with it); it is dumped
inside one read-only transaction, a consistent snapshot. A restore checks the whole
archive while unpacking it beside MEDIA_ROOT, and only then replaces the database in
one transaction and swaps the media folder in by renaming. The archive layout and the
checks live in ``core/backup_manifest.py``.
"""

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

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from dengbao import __version__
from dengbao.core import backup_manifest as bm

ALIAS = DEFAULT_DB_ALIAS
LOAD_BATCH = 1000
PREVIOUS_DIR = "previous"


class BackupError(Exception):
    """What the operator must be told. Raised before anything current was changed."""


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RestoreSummary:
    archive: str
    created_at: str
    dengbao_version: str
    database_vendor: str
    objects: int
    media_files: int
    media_bytes: int
    audit_records: int
    audit_intact: bool
    audit_break: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- what is in the database ---------------------------------------------------


def dumped_models() -> list[type[models.Model]]:
    """Every concrete, managed model of every installed app, m2m tables included."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and router.allow_migrate_model(ALIAS, model)
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def _own_fields(model: type[models.Model]) -> list[str]:
    # Only the table's own columns: m2m rows travel as rows of their through table.
    return [f.name for f in model._meta.local_fields if f.serialize]


def applied_migrations() -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[ALIAS]).applied_migrations():
        state.setdefault(app, []).append(name)
    return state


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


def _dump_database(
    path: Path, progress: bm.Progress
) -> tuple[dict[str, list[str]], dict[str, int], bm.Member]:
    serializer = serializers.get_serializer("jsonl")()
    counts: dict[str, int] = {}
    with _snapshot(), open(path, "wb") as raw:
        migrations = applied_migrations()
        todo = [(m, m._base_manager.using(ALIAS).order_by("pk")) for m in dumped_models()]
        progress.start("数据库 database", sum(qs.count() for _, qs in todo))
        sink = _TextSink(raw)
        for model, queryset in todo:
            tally = [0]
            rows = _counted(queryset.iterator(chunk_size=2000), progress, tally)
            serializer.serialize(rows, stream=sink, fields=_own_fields(model), cls=_Encoder)
            counts[model._meta.label] = tally[0]
    member = bm.Member(name=bm.DATABASE_NAME, size=sink.out.size, sha256=sink.out.sha256)
    return migrations, counts, member


# --- uploaded files ----------------------------------------------------------------


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


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


def create(*, output: Path, progress: bm.Progress | None = None, actor_name: str = "") -> BackupSummary:
    """Write the archive to ``output`` (which appears only once complete) and audit it."""
    from dengbao.audit import services as audit

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
        migrations, counts, db_member = _dump_database(dump_path, progress)
        files, skipped = _media_files(media_root)
        progress.start("上传文件 media", len(files))
        media_members = []
        for relative, path in files:
            media_members.append(bm.file_member(bm.media_name(relative), path))
            progress.advance(1)
        manifest = bm.build(
            dengbao_version=__version__,
            created_at=created_at,
            database_vendor=connections[ALIAS].vendor,
            migrations=migrations,
            models=counts,
            members=[db_member, *media_members],
        )
        sources = {bm.DATABASE_NAME: dump_path} | {bm.media_name(rel): path for rel, path in files}
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
    )
    details = {"archive": output.name, "sha256": digest, "objects": summary.objects}
    audit.record(actor=None, actor_name=actor_name, action="backup.create", details=details)
    return summary


# --- restoring ---------------------------------------------------------------------


def _check_schema(manifest: bm.Manifest) -> None:
    problems = bm.migration_differences(manifest.migrations, applied_migrations())
    if problems:
        raise BackupError(
            "the archive was made with a different database schema (migrations); restore it with the "
            f"dengbao version that made it ({manifest.dengbao_version}), then upgrade:\n  "
            + "\n  ".join(problems)
        )


@dataclass
class StagedRestore:
    """An archive that passed every check, unpacked beside MEDIA_ROOT, not yet applied."""

    archive: Path
    manifest: bm.Manifest
    staging: Path
    media_root: Path

    def apply(self, *, progress: bm.Progress | None = None, actor_name: str = "") -> RestoreSummary:
        """Replace the database (one transaction) and the media folder (rename); audit it."""
        from dengbao.audit import services as audit

        progress = progress or bm.SilentProgress()
        swapped = False
        try:
            with transaction.atomic(using=ALIAS):
                _load_database(self.staging / bm.DATABASE_NAME, self.manifest, progress)
                self._swap_media()
                swapped = True
                records, broken = audit.verify()
                audit.record(
                    actor=None,
                    actor_name=actor_name,
                    action="backup.restore",
                    details={
                        "archive": self.archive.name,
                        "created_at": self.manifest.created_at,
                        "objects": self.manifest.objects,
                        "media_files": len(self.manifest.media),
                        "audit_intact": broken is None,
                    },
                )
        except (DatabaseError, DeserializationError) as exc:
            if swapped:
                self._unswap_media()
            raise BackupError(f"the database could not be loaded; nothing was changed ({exc})") from None
        except BaseException:
            if swapped:
                self._unswap_media()
            raise
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
        return RestoreSummary(
            archive=str(self.archive),
            created_at=self.manifest.created_at,
            dengbao_version=self.manifest.dengbao_version,
            database_vendor=self.manifest.database_vendor,
            objects=self.manifest.objects,
            media_files=len(self.manifest.media),
            media_bytes=sum(m.size for m in self.manifest.media),
            audit_records=records,
            audit_intact=broken is None,
            audit_break=None if broken is None else f"#{broken.seq}: {broken.reason}",
        )

    def _swap_media(self) -> None:
        new, old = self.staging / bm.MEDIA_DIR, self.staging / PREVIOUS_DIR
        try:
            if self.media_root.exists():
                os.chmod(new, stat.S_IMODE(self.media_root.stat().st_mode))
                os.rename(self.media_root, old)
            os.rename(new, self.media_root)
        except OSError as exc:
            if old.exists() and not self.media_root.exists():
                os.rename(old, self.media_root)
            raise BackupError(
                f"could not swap in the media folder {self.media_root} ({exc}); nothing was changed"
            ) from None

    def _unswap_media(self) -> None:
        os.rename(self.media_root, self.staging / bm.MEDIA_DIR)
        if (self.staging / PREVIOUS_DIR).exists():
            os.rename(self.staging / PREVIOUS_DIR, self.media_root)


def _load_database(path: Path, manifest: bm.Manifest, progress: bm.Progress) -> None:
    connection = connections[ALIAS]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    # TRUNCATE on PostgreSQL: fires no row triggers, so the audit table's append-only trigger stays on.
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
    progress.start("载入数据库 load", manifest.objects)
    counts: dict[str, int] = {}
    with connection.constraint_checks_disabled(), open(path, encoding="utf-8") as fh:
        batch: list[Any] = []
        for item in serializers.deserialize("jsonl", fh, using=ALIAS, handle_forward_references=False):
            if batch and (type(item.object) is not type(batch[0].object) or len(batch) >= LOAD_BATCH):
                _insert(batch, counts, progress)
                batch = []
            batch.append(item)
        _insert(batch, counts, progress)
    connection.check_constraints(table_names=tables)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), dumped_models()):
            cursor.execute(sql)
    expected = {label: n for label, n in manifest.models.items() if n}
    if counts != expected:
        raise BackupError("the database dump does not hold the rows its manifest counts")


def _insert(batch: list[Any], counts: dict[str, int], progress: bm.Progress) -> None:
    if not batch:
        return
    model = type(batch[0].object)
    if model._meta.parents:  # multi-table inheritance: bulk_create cannot, save each row raw
        for item in batch:
            item.save(using=ALIAS, force_insert=True)
    else:
        model._base_manager.using(ALIAS).bulk_create([item.object for item in batch])
    counts[model._meta.label] = counts.get(model._meta.label, 0) + len(batch)
    progress.advance(len(batch))


@contextmanager
def staged_restore(archive: Path, *, progress: bm.Progress | None = None) -> Iterator[StagedRestore]:
    """Check ``archive`` completely, unpacking it into a staging folder beside MEDIA_ROOT.

    Raises BackupError, having changed nothing, when any check fails. The staging
    folder (and, after a restore, the previous media folder) is removed on exit.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    media_root = _media_root()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{media_root.name}-restore-", dir=media_root.parent))
    try:
        try:
            manifest = bm.unpack_checked(
                archive,
                staging,
                accept=_check_schema,
                progress=progress or bm.SilentProgress(),
                file_mode=settings.FILE_UPLOAD_PERMISSIONS,
            )
        except bm.ArchiveError as exc:
            raise BackupError(str(exc)) from None
        yield StagedRestore(archive=archive, manifest=manifest, staging=staging, media_root=media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore(*, archive: Path, progress: bm.Progress | None = None, actor_name: str = "") -> RestoreSummary:
    with staged_restore(archive, progress=progress) as staged:
        return staged.apply(progress=progress, actor_name=actor_name)
