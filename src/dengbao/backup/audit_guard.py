"""What a restore does about the audit chain: never drop newer records silently, and keep the key right.

A restore replaces the audit log with the archive's. When the current log has records
the archive does not (any made after the backup, the backup's own record included),
the restore is refused unless the operator says ``--discard-newer-audit``; then those
records are first written to a JSONL file (every field and link, verifiable later with
the key) and the restore event names the file. The archive's chain is linked with the
key of the installation that made it: the current key file must be that key, or the
archive must carry it (``dengbao backup --include-audit-key``), which is then installed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from dengbao.audit import keys
from dengbao.audit.models import AuditEvent, AuditHead
from dengbao.core import backup_manifest as bm
from dengbao.core import hashchain

from .common import BackupError, RestoreRefused


@dataclass(frozen=True)
class AuditPlan:
    archive_seq: int
    current_seq: int
    key_to_install: bytes | None

    @property
    def newer(self) -> int:
        return max(self.current_seq - self.archive_seq, 0)


@dataclass(frozen=True)
class DiscardedAudit:
    path: Path
    first_seq: int
    last_seq: int
    records: int
    sha256: str

    def as_details(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "from_seq": self.first_seq,
            "to_seq": self.last_seq,
            "records": self.records,
            "sha256": self.sha256,
        }


def archive_head(manifest: bm.Manifest) -> tuple[int, str]:
    """The archive chain's last seq and key fingerprint (older manifests: the row count, no fingerprint)."""
    if manifest.audit is not None:
        return manifest.audit.seq, manifest.audit.key_id
    return manifest.models.get(AuditEvent._meta.label, 0), ""


def current_seq() -> int:
    head = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    last = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    return max(head, last)


def plan(manifest: bm.Manifest, staging: Path, *, discard_newer: bool) -> AuditPlan:
    """Refuse (RestoreRefused) what would lose audit records or leave the chain unverifiable."""
    archive_seq, archive_key_id = archive_head(manifest)
    now_seq = current_seq()
    if now_seq > archive_seq and not discard_newer:
        raise RestoreRefused(
            f"当前审计日志比归档中的长：归档止于第 {archive_seq} 条，当前已有 {now_seq} 条；恢复将丢弃其后的 "
            f"{now_seq - archive_seq} 条记录。如确需恢复，加 --discard-newer-audit：先把这些记录导出到文件，"
            f"再恢复并记入审计。 (the current audit log is longer than the archive's: the archive ends at "
            f"#{archive_seq}, the log is at #{now_seq}; add --discard-newer-audit to export the "
            f"{now_seq - archive_seq} newer records to a file first)"
        )
    if not archive_seq or not archive_key_id:
        return AuditPlan(archive_seq, now_seq, None)
    staged_key = staging / bm.AUDIT_KEY_NAME
    if staged_key.exists():
        try:
            key = hashchain.parse_key(staged_key.read_text(encoding="ascii", errors="replace"))
        except hashchain.ChainKeyError as exc:
            raise BackupError(f"the audit key in the archive is unusable ({exc})") from None
        if hashchain.key_id(key) != archive_key_id:
            raise BackupError("the audit key in the archive is not the key of its audit chain")
        return AuditPlan(archive_seq, now_seq, None if _current_key_id() == archive_key_id else key)
    current = _current_key_id()
    if current != archive_key_id:
        where = keys.key_path()
        found = "不存在 (missing)" if current is None else f"指纹 {current} (fingerprint {current})"
        raise RestoreRefused(
            f"归档中的审计链使用另一把密钥（指纹 {archive_key_id}），而 {where} {found}。"
            "请把做备份那台安装的审计密钥文件（离线副本）放到该位置后重试，"
            "或用 `dengbao backup --include-audit-key` 重新备份。 "
            f"(the archive's audit chain is keyed with another key, fingerprint {archive_key_id}; put that "
            f"key file at {where} from your offline copy, or back up with --include-audit-key)"
        )
    return AuditPlan(archive_seq, now_seq, None)


def _current_key_id() -> str | None:
    try:
        return hashchain.key_id(keys.load())
    except keys.AuditKeyError:
        return None


def install_key(key: bytes) -> Path | None:
    """Put the archive's key in place of the current key file; returns where the old one was kept."""
    path = keys.key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        kept = path.with_name(f"{path.name}.before-restore-{stamp}")
        os.link(path, kept)
    tmp = path.with_name(f".{path.name}.restoring")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return kept


def put_back_key(kept: Path | None) -> None:
    path = keys.key_path()
    if kept is not None:
        os.replace(kept, path)
    else:
        path.unlink(missing_ok=True)


def export_newer(after_seq: int) -> DiscardedAudit | None:
    """Write every record after ``after_seq`` to a new JSONL file (0600) under var/; None when there are none.

    Called inside the restore's transaction with the head row locked, so no record is
    appended between the export and the replacement.
    """
    AuditHead.objects.select_for_update().filter(pk=1).first()
    events = AuditEvent.objects.filter(seq__gt=after_seq).order_by("seq")
    if not events.exists():
        return None
    folder = Path(settings.VAR_DIR) / "audit-discarded"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"restore-{stamp}-after-{after_seq}.jsonl"
    sha, count, first, last = hashlib.sha256(), 0, 0, 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for event in events.iterator(chunk_size=2000):
            row = {**event.chain_fields(), "algorithm": event.algorithm, "prev_hash": event.prev_hash}
            row["hash"] = event.hash
            line = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n"
            fh.write(line)
            sha.update(line)
            count, first, last = count + 1, first or event.seq, event.seq
        fh.flush()
        os.fsync(fh.fileno())
    return DiscardedAudit(path=path, first_seq=first, last_seq=last, records=count, sha256=sha.hexdigest())
