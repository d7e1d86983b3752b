"""Backup and restore: a full round trip, and every damaged archive refused with nothing changed."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.db import connection

from dengbao import backup
from dengbao.accounts.models import Organisation, Project, User
from dengbao.audit import services as audit
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from dengbao.core import backup_manifest as bm

pytestmark = pytest.mark.django_db(transaction=True)

BIG = 2_500_000  # more than two read chunks: media files must stream


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "var" / "media"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "测评报告.docx").write_bytes(os.urandom(BIG))
    (root / "evidence.txt").write_text("整改证据 evidence\n", encoding="utf-8")
    settings.MEDIA_ROOT = str(root)
    return root


def snapshot(media: Path) -> dict:
    """Every row of every model (by primary key), names, the audit chain, and every media file."""
    return {
        "rows": {
            m._meta.label: list(m._base_manager.order_by("pk").values_list("pk", flat=True))
            for m in backup.dumped_models()
        },
        "users": sorted(User.objects.values_list("username", "display_name", "password")),
        "projects": sorted(Project.objects.values_list("slug", "name")),
        "chain": list(AuditEvent.objects.order_by("seq").values_list("seq", "hash")),
        "files": {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()},
    }


@pytest.fixture
def archive(world_a, media, tmp_path) -> Path:
    path = tmp_path / "backup.tar.gz"
    backup.create(output=path)
    return path


def test_round_trip_brings_everything_back(world_a, media, tmp_path):
    before = snapshot(media)
    path = tmp_path / "backup.tar.gz"
    summary = backup.create(output=path, actor_name="os:tester")
    assert (summary.media_files, summary.media_bytes) == (2, BIG + len("整改证据 evidence\n".encode()))
    assert summary.objects == sum(len(pks) for pks in before["rows"].values())
    assert path.stat().st_mode & 0o077 == 0  # password hashes inside: owner only
    made = AuditEvent.objects.order_by("-seq").first()
    assert (made.action, made.actor_name, made.details["objects"]) == (
        "backup.create",
        "os:tester",
        summary.objects,
    )

    # Change, delete and add data and files after the backup.
    User.objects.filter(username="proj-a-client").delete()
    Project.objects.filter(pk=world_a.project.pk).update(name="改名后的项目")
    Organisation.objects.create(name="备份之后的单位", kind="client")
    (media / "evidence.txt").write_text("changed", encoding="utf-8")
    (media / "reports" / "测评报告.docx").unlink()
    (media / "added-later.txt").write_text("new", encoding="utf-8")
    audit.record(actor=None, action="test.after_backup")

    result = backup.restore(archive=path, actor_name="os:tester", discard_newer_audit=True)

    after = snapshot(media)
    assert after["users"] == before["users"]
    assert after["projects"] == before["projects"]
    assert after["files"] == before["files"]
    audit_label = AuditEvent._meta.label
    assert {k: v for k, v in after["rows"].items() if k != audit_label} == {
        k: v for k, v in before["rows"].items() if k != audit_label
    }
    # The restored records keep their hashes; the restore is appended after them.
    assert after["chain"][:-1] == before["chain"]
    restored = AuditEvent.objects.order_by("-seq").first()
    assert (restored.seq, restored.action, restored.actor_name) == (
        len(before["chain"]) + 1,
        "backup.restore",
        "os:tester",
    )
    assert not AuditEvent.objects.filter(action="test.after_backup").exists()
    assert audit.verify() == (len(before["chain"]) + 1, None)
    assert (result.audit_intact, result.audit_records, result.media_files) == (True, len(before["chain"]), 2)
    assert sorted(p.name for p in media.parent.iterdir()) == ["media"]  # no staging folder left behind
    # Sequences follow the restored rows: new rows get fresh keys.
    assert Organisation.objects.create(name="恢复之后的单位", kind="client").pk > max(
        before["rows"]["accounts.Organisation"]
    )


def test_cli_round_trip_with_json(world_a, media, tmp_path):
    before = snapshot(media)
    path = tmp_path / "cli.tar.gz"
    runner = CliRunner()
    made = runner.invoke(main, ["backup", "-o", str(path), "--json"])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.output)
    assert summary["ok"] and summary["media_files"] == 2 and summary["database_vendor"] == connection.vendor
    (media / "evidence.txt").unlink()
    declined = runner.invoke(main, ["restore", str(path), "--discard-newer-audit"], input="n\n")
    assert declined.exit_code == 1
    assert not (media / "evidence.txt").exists()  # answered no: nothing restored
    done = runner.invoke(main, ["restore", str(path), "--yes", "--discard-newer-audit", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["audit_intact"] is True
    assert snapshot(media)["files"] == before["files"]
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0


def test_archive_layout_and_manifest(archive):
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = bm.loads(tar.extractfile(bm.MANIFEST_NAME).read())
    assert names[0] == bm.MANIFEST_NAME
    assert sorted(names[1:]) == sorted(
        [bm.DATABASE_NAME, "media/evidence.txt", "media/reports/测评报告.docx"]
    )
    assert manifest.by_name["media/reports/测评报告.docx"].size == BIG
    assert manifest.database_vendor == connection.vendor
    assert "0002_append_only_trigger" in manifest.migrations["audit"]
    assert manifest.models["accounts.User"] == User.objects.count()


# --- damaged archives: each refused, the current data untouched --------------------------


def _rebuild(path: Path, change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]) -> None:
    with tarfile.open(path, "r:gz") as tar:
        members = [(info, tar.extractfile(info).read() if info.isreg() else b"") for info in tar.getmembers()]
    change(members)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    path.write_bytes(buffer.getvalue())


def _extra_file(name: str, data: bytes = b"not in the manifest") -> Callable:
    def change(members):
        info = tarfile.TarInfo(name)
        members.append((info, data))

    return change


def _flip_in_member(name: str) -> Callable:
    def change(members):
        for i, (info, data) in enumerate(members):
            if info.name == name:
                members[i] = (info, data[:10] + bytes([data[10] ^ 1]) + data[11:])

    return change


def _symlink(members):
    info = tarfile.TarInfo("media/passwd")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    members.append((info, b""))


def _drop(name: str) -> Callable:
    def change(members):
        members[:] = [(i, d) for i, d in members if i.name != name]

    return change


def _future_migration(members):
    info, data = members[0]
    manifest = json.loads(data)
    manifest["database"]["migrations"]["audit"].append("0099_from_the_future")
    members[0] = (info, json.dumps(manifest).encode())


def _manifest_lies_about_a_hash(members):
    info, data = members[0]
    manifest = json.loads(data)
    manifest["members"][-1]["sha256"] = "0" * 64
    members[0] = (info, json.dumps(manifest).encode())


def _flip_compressed_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])


def _cut_the_gzip_trailer(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-4])


def _append_garbage(path: Path) -> None:
    path.write_bytes(path.read_bytes() + os.urandom(3000))


def _not_gzip(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 this is a zip file, not a backup")


DAMAGE = {
    "compressed byte flipped": (_flip_compressed_byte, "damaged|truncated|SHA-256|manifest"),
    "truncated": (_truncate, "damaged or truncated|incomplete"),
    "gzip trailer cut": (_cut_the_gzip_trailer, "damaged or truncated"),
    "garbage appended": (_append_garbage, "damaged|after the end"),
    "not a gzip file": (_not_gzip, "damaged"),
    "media byte changed": (lambda p: _rebuild(p, _flip_in_member("media/reports/测评报告.docx")), "SHA-256"),
    "database byte changed": (lambda p: _rebuild(p, _flip_in_member(bm.DATABASE_NAME)), "SHA-256"),
    "extra member": (lambda p: _rebuild(p, _extra_file("media/extra.txt")), "not in its manifest"),
    "member removed": (lambda p: _rebuild(p, _drop("media/evidence.txt")), "incomplete"),
    "path traversal": (lambda p: _rebuild(p, _extra_file("media/../../escaped.txt")), "traversal"),
    "absolute path": (lambda p: _rebuild(p, _extra_file("/tmp/escaped.txt")), "absolute"),
    "symbolic link": (lambda p: _rebuild(p, _symlink), "not a regular file"),
    "manifest not first": (lambda p: _rebuild(p, lambda m: m.append(m.pop(0))), "must be the first"),
    "manifest hash wrong": (lambda p: _rebuild(p, _manifest_lies_about_a_hash), "SHA-256"),
    "newer schema": (lambda p: _rebuild(p, _future_migration), "different database schema"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_archive_is_refused_and_nothing_changes(damage, archive, media, tmp_path):
    spoil, message = DAMAGE[damage]
    spoil(archive)
    (media / "evidence.txt").write_text("current version", encoding="utf-8")
    Organisation.objects.create(name="当前的单位", kind="client")
    before = snapshot(media)
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(archive=archive)
    assert snapshot(media) == before
    assert sorted(p.name for p in media.parent.iterdir()) == ["media"]
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(tmp_path.rglob("escaped.txt"))


def test_cli_refusal_says_so_and_exits_1(archive, media):
    _truncate(archive)
    before = snapshot(media)
    result = CliRunner().invoke(main, ["restore", str(archive), "--yes"])
    assert result.exit_code == 1
    assert "拒绝恢复" in result.output and "nothing was changed" in result.output
    assert snapshot(media) == before
    as_json = CliRunner().invoke(main, ["restore", str(archive), "--yes", "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["ok"] is False


def test_missing_archive_and_bad_output_are_clear_errors(world_a, media, tmp_path):
    with pytest.raises(backup.BackupError, match="no such file"):
        backup.restore(archive=tmp_path / "nowhere.tar.gz")
    with pytest.raises(backup.BackupError, match="inside MEDIA_ROOT"):
        backup.create(output=media / "backup.tar.gz")
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.create(output=tmp_path / "no-such-folder" / "b.tar.gz")
    assert not list(tmp_path.rglob("*.tar.gz"))


def test_symlinks_in_media_are_not_followed(world_a, media, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside MEDIA_ROOT")
    (media / "link.txt").symlink_to(secret)
    summary = backup.create(output=tmp_path / "b.tar.gz")
    assert summary.skipped_media == ["link.txt"]
    with tarfile.open(tmp_path / "b.tar.gz", "r:gz") as tar:
        assert "media/link.txt" not in tar.getnames()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL isolation levels")
def test_dump_reads_one_repeatable_read_snapshot(db):
    with backup._snapshot(), connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone()[0] == "repeatable read"
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone()[0] == "on"


# --- the pure part: names and manifests ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("media/a/b.pdf", None),
        ("media/报告 2026.docx", None),
        (bm.DATABASE_NAME, None),
        ("/etc/passwd", "absolute"),
        ("C:/x", "absolute"),
        ("media/../x", "traversal"),
        ("../x", "traversal"),
        ("media//x", "empty"),
        ("media/./x", "empty"),
        ("media/", "empty"),
        ("media", "not a place"),
        ("other/x", "not a place"),
        ("media/x\x00y", "NUL"),
        ("", "empty"),
    ],
)
def test_member_names(name, reason):
    got = bm.unsafe_name_reason(name)
    assert (got is None) if reason is None else (reason in got)


def _manifest_json(**changes) -> bytes:
    data = {
        "format": bm.FORMAT,
        "format_version": 1,
        "dengbao_version": "0.1.0",
        "created_at": "2026-01-01T00:00:00+00:00",
        "database": {"vendor": "sqlite", "migrations": {"audit": ["0001_initial"]}, "models": {"a.b": 1}},
        "members": [{"name": bm.DATABASE_NAME, "size": 3, "sha256": "a" * 64}],
    }
    data.update(changes)
    return json.dumps(data).encode()


def test_manifest_round_trip_and_refusals():
    manifest = bm.loads(_manifest_json())
    assert bm.loads(bm.dumps(manifest)) == manifest
    assert manifest.objects == 1
    db_entry = {"name": bm.DATABASE_NAME, "size": 3, "sha256": "a" * 64}
    refused = {
        b"{not json": "not valid JSON",
        _manifest_json(format="zip"): "not describe a dengbao backup",
        _manifest_json(format_version=2): "not supported",
        _manifest_json(members=[]): "does not list database.jsonl",
        _manifest_json(members=[db_entry, db_entry]): "twice",
        _manifest_json(members=[{**db_entry, "size": -1}]): "bad size",
        _manifest_json(members=[{**db_entry, "size": True}]): "wrong type",
        _manifest_json(members=[db_entry, {**db_entry, "name": "media/../../x"}]): "unsafe",
        _manifest_json(members=[{**db_entry, "sha256": "xyz"}]): "SHA-256",
    }
    for data, message in refused.items():
        with pytest.raises(bm.ManifestError, match=message):
            bm.loads(data)


def test_migration_differences():
    same = {"audit": ["0001_initial", "0002_x"], "accounts": ["0001_initial"]}
    assert bm.migration_differences(same, same) == []
    newer = {**same, "audit": [*same["audit"], "0003_y"]}
    assert bm.migration_differences(newer, same) == ["audit: archive has 0003_y not applied here"]
    assert bm.migration_differences(same, newer) == ["audit: this database has 0003_y the archive lacks"]
