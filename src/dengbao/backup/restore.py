"""Restoring an archive: check it all (bounds first, then every member), then replace everything at once."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connections, transaction

from dengbao.core import backup_bounds as bounds
from dengbao.core import backup_manifest as bm

from . import audit_guard
from .common import (
    ALIAS,
    PREVIOUS_DIR,
    BackupError,
    RestoreRefused,
    _media_root,
    applied_migrations,
    dumped_models,
)

LOAD_BATCH = 1000


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
    discarded_audit_records: int = 0
    discarded_audit_file: str | None = None
    audit_key_installed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    audit_plan: audit_guard.AuditPlan

    def apply(self, *, progress: bm.Progress | None = None, actor_name: str = "") -> RestoreSummary:
        """Replace the database (one transaction) and the media folder (rename); audit it."""
        from dengbao.audit import services as audit

        progress = progress or bm.SilentProgress()
        swapped = False
        plan = self.audit_plan
        key_installed, kept_key = plan.key_to_install is not None, None
        if plan.key_to_install is not None:
            kept_key = audit_guard.install_key(plan.key_to_install)
        try:
            with transaction.atomic(using=ALIAS):
                discarded = audit_guard.export_newer(plan.archive_seq)
                _load_database(self.staging / bm.DATABASE_NAME, self.manifest, progress)
                self._swap_media()
                swapped = True
                records, broken = audit.verify()
                details = {
                    "archive": self.archive.name,
                    "created_at": self.manifest.created_at,
                    "objects": self.manifest.objects,
                    "media_files": len(self.manifest.media),
                    "audit_intact": broken is None,
                    "audit_key_installed": key_installed,
                }
                if discarded is not None:
                    details["discarded_audit"] = discarded.as_details()
                audit.record(actor=None, actor_name=actor_name, action="backup.restore", details=details)
        except (DatabaseError, DeserializationError) as exc:
            self._undo(swapped, key_installed, kept_key)
            raise BackupError(f"the database could not be loaded; nothing was changed ({exc})") from None
        except BaseException:
            self._undo(swapped, key_installed, kept_key)
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
            discarded_audit_records=discarded.records if discarded else 0,
            discarded_audit_file=str(discarded.path) if discarded else None,
            audit_key_installed=key_installed,
        )

    def _undo(self, swapped: bool, key_installed: bool, kept_key: Path | None) -> None:
        if swapped:
            self._unswap_media()
        if key_installed:
            audit_guard.put_back_key(kept_key)

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
def staged_restore(
    archive: Path, *, progress: bm.Progress | None = None, discard_newer_audit: bool = False
) -> Iterator[StagedRestore]:
    """Check ``archive`` completely, unpacking it into a staging folder beside MEDIA_ROOT.

    Before any member is unpacked: the schema, then the bounds (declared size, ratio,
    free disk: RestoreRefused). After: every member against the manifest, then the
    audit chain (a longer current chain without ``discard_newer_audit``, a key that
    does not fit: RestoreRefused). Raises BackupError, having changed nothing, when any
    check fails. The staging folder (and, after a restore, the previous media folder)
    is removed on exit.
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
                limits=restore_limits(),
                free_bytes=lambda: shutil.disk_usage(staging).free,
            )
        except bounds.BoundsError as exc:
            raise RestoreRefused(str(exc)) from None
        except bm.ArchiveError as exc:
            raise BackupError(str(exc)) from None
        plan = audit_guard.plan(manifest, staging, discard_newer=discard_newer_audit)
        yield StagedRestore(
            archive=archive, manifest=manifest, staging=staging, media_root=media_root, audit_plan=plan
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore_limits() -> bounds.RestoreLimits:
    return bounds.RestoreLimits.from_mb(
        max_mb=settings.DENGBAO_RESTORE_MAX_MB,
        max_ratio=settings.DENGBAO_RESTORE_MAX_RATIO,
        keep_free_mb=settings.DENGBAO_RESTORE_KEEP_FREE_MB,
    )


def restore(
    *,
    archive: Path,
    progress: bm.Progress | None = None,
    actor_name: str = "",
    discard_newer_audit: bool = False,
) -> RestoreSummary:
    with staged_restore(archive, progress=progress, discard_newer_audit=discard_newer_audit) as staged:
        return staged.apply(progress=progress, actor_name=actor_name)
