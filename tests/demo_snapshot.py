"""The demo engagement built once per test process and copied into each test that needs it.

``dengbao.demo.load()`` takes ~20 s (thousands of recorded results, each through the services and the
audit chain). The first test that asks for the demo (``demo_db`` in tests/conftest.py) loads it in a
savepoint of its transaction, records the rows it added or changed (``Snapshot``) and rolls the
savepoint back; that test and every later one then get the same rows written into their own
transaction with plain INSERTs (~7,000 rows: well under a second), and the rollback at the test's
end takes them away again, so tests never see each other's writes.

The copy is exact: same primary keys, same audit records and head row, signed with the same audit
key (the key file is kept beside the snapshot and copied to each test's folder), so
``audit.services.verify()`` accepts the copied chain; files the demo stores under MEDIA_ROOT are
copied too. A snapshot applies only to the database state it was recorded on: when a test's database
differs (a fixture made rows first, or a transactional test's flush re-created the content types
under new keys), it is recorded again on that state, as the demo would load there.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

Row = tuple
Table = dict[object, Row]  # primary key -> row


@dataclass
class TableDiff:
    columns: list[str]
    pk_index: int
    inserted: list[Row] = field(default_factory=list)
    updated: list[Row] = field(default_factory=list)
    deleted: list[object] = field(default_factory=list)


@dataclass
class Snapshot:
    base: dict[str, Table]  # every table's rows before the demo
    diffs: dict[str, TableDiff]  # what the demo changed, by table
    key_file: Path  # the audit key the copied chain was signed with
    media: Path  # files the demo stored (none today; copied per test all the same)

    @property
    def row_count(self) -> int:
        return sum(len(d.inserted) + len(d.updated) for d in self.diffs.values())


def _tables() -> dict[str, type]:
    """Every model table (with many-to-many tables), by name."""
    return {
        model._meta.db_table: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _read(table: str, model: type) -> tuple[list[str], int, Table]:
    qn = connection.ops.quote_name
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {qn(table)}")  # table names from the models, not input
        columns = [c[0] for c in cursor.description]
        index = columns.index(pk)
        rows = {row[index]: tuple(row) for row in cursor.fetchall()}
    return columns, index, rows


def _state() -> dict[str, tuple[list[str], int, Table]]:
    return {table: _read(table, model) for table, model in sorted(_tables().items())}


def build(load: Callable[[], object], media_root: Path, keep: Path) -> Snapshot:
    """Run ``load`` in a transaction that is rolled back and keep what it changed."""
    from django.conf import settings

    with transaction.atomic():  # a savepoint inside the test's transaction
        before = _state()
        load()
        after = _state()
        transaction.set_rollback(True)
    diffs: dict[str, TableDiff] = {}
    for table, (columns, index, rows) in after.items():
        old = before[table][2]
        diff = TableDiff(columns=columns, pk_index=index)
        for pk, row in rows.items():
            if pk not in old:
                diff.inserted.append(row)
            elif old[pk] != row:
                diff.updated.append(row)
        diff.deleted = [pk for pk in old if pk not in rows]
        if diff.inserted or diff.updated or diff.deleted:
            diffs[table] = diff
    keep.mkdir(parents=True, exist_ok=True)
    key_file = keep / "audit.key"
    shutil.copy2(settings.DENGBAO_AUDIT_KEY_FILE, key_file)
    media = keep / "media"
    if media_root.exists():
        shutil.copytree(media_root, media, dirs_exist_ok=True)
    else:
        media.mkdir()
    return Snapshot(
        base={table: rows for table, (_, _, rows) in before.items()},
        diffs=diffs,
        key_file=key_file,
        media=media,
    )


def matches_base(snapshot: Snapshot) -> bool:
    """True when the test's database holds exactly what the snapshot was built on."""
    tables = _tables()
    if set(tables) != set(snapshot.base):
        return False
    return all(_read(table, model)[2] == snapshot.base[table] for table, model in tables.items())


def apply(snapshot: Snapshot) -> None:
    """Write the demo's rows into the current transaction (the caller checked ``matches_base``)."""
    qn = connection.ops.quote_name
    tables = _tables()
    with connection.cursor() as cursor:
        for table, diff in snapshot.diffs.items():
            pk = qn(diff.columns[diff.pk_index])
            if diff.deleted:
                cursor.executemany(
                    f"DELETE FROM {qn(table)} WHERE {pk} = %s",
                    [(key,) for key in diff.deleted],
                )
            if diff.updated:
                others = [c for i, c in enumerate(diff.columns) if i != diff.pk_index]
                sets = ", ".join(f"{qn(c)} = %s" for c in others)
                cursor.executemany(
                    f"UPDATE {qn(table)} SET {sets} WHERE {pk} = %s",
                    [
                        (*(v for i, v in enumerate(row) if i != diff.pk_index), row[diff.pk_index])
                        for row in diff.updated
                    ],
                )
            if diff.inserted:
                names = ", ".join(qn(c) for c in diff.columns)
                marks = ", ".join(["%s"] * len(diff.columns))
                cursor.executemany(
                    f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})",
                    diff.inserted,
                )
        # PostgreSQL: move each identity sequence past the copied keys (SQLite's AUTOINCREMENT
        # counter follows the inserted keys by itself).
        models = [tables[t] for t, d in snapshot.diffs.items() if d.inserted]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


class Snapshots:
    """The session's snapshot, recorded on first use and again whenever the base state differs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.current: Snapshot | None = None
        self.builds = 0

    def load(self, load: Callable[[], object], *, media_root: Path, key_file: Path) -> Snapshot:
        """Put the demo into the test's database; ``key_file`` and ``media_root`` are the test's
        (settings.DENGBAO_AUDIT_KEY_FILE and MEDIA_ROOT point at them)."""
        snapshot = self.current
        if snapshot is None or not matches_base(snapshot):
            self.builds += 1
            snapshot = self.current = build(load, media_root, self.folder / f"build-{self.builds}")
        else:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(snapshot.key_file, key_file)
            shutil.copytree(snapshot.media, media_root, dirs_exist_ok=True)
        apply(snapshot)
        return snapshot
