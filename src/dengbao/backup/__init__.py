"""Backup and restore of a whole installation: every database row and every uploaded file.

One tar.gz holds ``manifest.json`` (first), ``database.jsonl`` and ``media/...``. The
database goes in as Django's serialisation of every model, so the archive does not
depend on the engine (an SQLite install can move to PostgreSQL with it); it is dumped
inside one read-only transaction, a consistent snapshot. A restore checks the whole
archive while unpacking it beside MEDIA_ROOT, and only then replaces the database in
one transaction and swaps the media folder in by renaming. The archive layout and the
checks live in ``core/backup_manifest.py``.

The code is split by side: ``common`` (errors, models, media folder), ``dump`` (writing an
archive), ``restore`` (checking and applying one) and ``audit_guard`` (what a restore does
about the audit chain: the newer records, the key).
"""

from .common import ALIAS, BackupError, RestoreRefused, applied_migrations, dumped_models
from .dump import BackupSummary, _snapshot, create
from .restore import RestoreSummary, StagedRestore, restore, staged_restore

__all__ = [
    "ALIAS",
    "BackupError",
    "BackupSummary",
    "RestoreRefused",
    "RestoreSummary",
    "StagedRestore",
    "_snapshot",
    "applied_migrations",
    "create",
    "dumped_models",
    "restore",
    "staged_restore",
]
