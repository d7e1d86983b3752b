"""Issue 13, findings 5 and 7 (restore): bounded unpacking and no silent loss of audit records.

Before: a restore unpacked whatever the gzip stream held (a 10 MB archive wrote 2 GB),
read a run of zeros after the tar to its end, and replaced the audit log with the
archive's, dropping every record made after the backup without a word.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dengbao import backup
from dengbao.accounts.models import Organisation
from dengbao.audit import keys
from dengbao.audit import services as audit
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from dengbao.core import backup_manifest as bm

pytestmark = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024


class Zeros(io.RawIOBase):
    """``size`` zero bytes, read in chunks: a huge member without holding it in memory."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


class Labels:
    """A restore progress observer: which phases started (the verify phase unpacks members)."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, label: str, total: int) -> None:
        self.started.append(label)

    def advance(self, amount: int) -> None:
        pass


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "var" / "media"
    root.mkdir(parents=True)
    (root / "evidence.txt").write_text("整改证据 evidence\n", encoding="utf-8")
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def archive(world_a, media, tmp_path) -> Path:
    path = tmp_path / "backup.tar.gz"
    backup.create(output=path)
    return path


def read_members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path, "r:gz") as tar:
        return [(info, tar.extractfile(info).read()) for info in tar.getmembers()]


def write_archive(path: Path, members, *, extra=(), trailing_zeros: int = 0, pax_before: int = 0) -> None:
    """A tar.gz of ``members`` [(TarInfo, bytes)] then ``extra`` [(TarInfo, stream)], maybe zeros after."""
    plain = path.with_suffix(".tar")
    # A plain tar file first: tarfile's stream mode copies its buffer per block, slow for one huge header.
    with tarfile.open(plain, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for index, (info, data) in enumerate(members):
            if index == 0 and pax_before:
                info.pax_headers = {"comment": "x" * pax_before}
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info, stream in extra:
            tar.addfile(info, stream)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as gz:
        with open(plain, "rb") as source:
            shutil.copyfileobj(source, gz, MB)
        plain.unlink()
        remaining = trailing_zeros
        while remaining:
            chunk = min(remaining, MB)
            gz.write(bytes(chunk))
            remaining -= chunk


def with_manifest(members, change) -> list:
    info, data = members[0]
    manifest = json.loads(data)
    change(manifest)
    return [(info, json.dumps(manifest).encode()), *members[1:]]


def state(media: Path) -> tuple:
    return (
        list(AuditEvent.objects.order_by("seq").values_list("seq", "hash")),
        sorted(Organisation.objects.values_list("name", flat=True)),
        {p.name: p.read_bytes() for p in media.rglob("*") if p.is_file()},
        sorted(p.name for p in media.parent.iterdir()),
    )


def refused(archive: Path, media: Path, match: str) -> Labels:
    before = state(media)
    labels = Labels()
    with pytest.raises(backup.RestoreRefused, match=match):
        backup.restore(archive=archive, progress=labels, discard_newer_audit=True)
    assert state(media) == before  # nothing changed, no staging folder left
    return labels


def test_zeros_after_the_tar_are_cut_off_at_the_declared_size(archive, media, tmp_path):
    """Small manifest, honest members, then 200 MB of zeros inside the gzip stream: refused."""
    bomb = tmp_path / "bomb.tar.gz"
    write_archive(bomb, read_members(archive), trailing_zeros=200 * MB)
    assert bomb.stat().st_size < 2 * MB
    refused(bomb, media, "more than its manifest declares")


def test_a_huge_header_before_the_manifest_is_cut_off(archive, media, tmp_path):
    bomb = tmp_path / "pax.tar.gz"
    write_archive(bomb, read_members(archive), pax_before=64 * MB)
    labels = refused(bomb, media, "more than its manifest declares")
    assert labels.started == []  # refused while reading the manifest


def test_a_member_larger_than_its_manifest_entry_is_refused_before_writing(archive, media, tmp_path):
    members = read_members(archive)
    info = tarfile.TarInfo("media/evidence-big.txt")
    info.size = 300 * MB
    members = with_manifest(
        members, lambda m: m["members"].append({"name": info.name, "size": 10, "sha256": "0" * 64})
    )
    bomb = tmp_path / "lies.tar.gz"
    write_archive(bomb, members, extra=[(info, Zeros(info.size))])
    before = state(media)
    with pytest.raises(backup.BackupError, match="314572800 bytes, the manifest says 10"):
        backup.restore(archive=bomb, discard_newer_audit=True)
    assert state(media) == before


def test_a_compression_ratio_beyond_the_limit_is_refused_before_unpacking(archive, media, tmp_path):
    members = read_members(archive)
    info = tarfile.TarInfo("media/zeros.bin")
    info.size = 100 * MB
    digest = "ad3b8e1a8b8d7c1d7d3bbe0e0b8f09fe4b3a6d7e7b3f0ab0fd39bd5d30e0f0a9"  # not checked: refused first
    members = with_manifest(
        members, lambda m: m["members"].append({"name": info.name, "size": info.size, "sha256": digest})
    )
    bomb = tmp_path / "ratio.tar.gz"
    write_archive(bomb, members, extra=[(info, Zeros(info.size))])
    labels = refused(bomb, media, "DENGBAO_RESTORE_MAX_RATIO")
    assert "校验归档 verify" not in labels.started  # no member was unpacked


def test_the_total_size_limit_is_a_setting(archive, media, settings):
    settings.DENGBAO_RESTORE_MAX_MB = 0
    labels = refused(archive, media, "DENGBAO_RESTORE_MAX_MB")
    assert "校验归档 verify" not in labels.started


def test_too_little_free_disk_is_refused_before_unpacking(archive, media, settings):
    settings.DENGBAO_RESTORE_KEEP_FREE_MB = 1024 * 1024 * 1024  # a petabyte must stay free
    labels = refused(archive, media, "not enough free disk space.*DENGBAO_RESTORE_KEEP_FREE_MB")
    assert "校验归档 verify" not in labels.started
    result = CliRunner().invoke(main, ["restore", str(archive), "--yes", "--discard-newer-audit"])
    assert result.exit_code == 2
    assert "拒绝恢复" in result.output and "DENGBAO_RESTORE_KEEP_FREE_MB" in result.output


def test_a_longer_current_chain_is_refused(archive, media):
    audit.record(actor=None, action="test.after_backup")
    before = state(media)
    result = CliRunner().invoke(main, ["restore", str(archive), "--yes"])
    assert result.exit_code == 2
    assert "--discard-newer-audit" in result.output
    assert state(media) == before
    assert AuditEvent.objects.filter(action="test.after_backup").exists()


def test_discard_newer_audit_exports_them_first_and_records_the_restore(archive, media):
    archived = AuditEvent.objects.filter(action="backup.create").get().seq - 1
    audit.record(actor=None, action="test.after_backup", details={"why": "newer"})
    newer = list(
        AuditEvent.objects.filter(seq__gt=archived).order_by("seq").values_list("seq", "action", "hash")
    )
    assert len(newer) == 2
    result = CliRunner().invoke(main, ["restore", str(archive), "--yes", "--discard-newer-audit"])
    assert result.exit_code == 0, result.output
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.seq, event.action) == (archived + 1, "backup.restore")
    discarded = event.details["discarded_audit"]
    assert (discarded["from_seq"], discarded["to_seq"]) == (archived + 1, archived + 2)
    assert discarded["records"] == 2
    path = Path(discarded["file"])
    assert str(path) in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["seq"], r["action"], r["hash"]) for r in rows] == newer
    assert rows[1]["details"]["why"] == "newer"
    assert not AuditEvent.objects.filter(action="test.after_backup").exists()
    assert CliRunner().invoke(main, ["audit", "verify"]).exit_code == 0


def test_an_archive_keyed_with_another_key_needs_that_key(archive, media, settings, tmp_path):
    other = tmp_path / "other.key"
    other.write_text(os.urandom(32).hex())
    original = keys.key_path()
    settings.DENGBAO_AUDIT_KEY_FILE = other
    labels = refused(archive, media, "another key")
    assert labels.started  # this refusal comes after the archive was checked, still before any change
    settings.DENGBAO_AUDIT_KEY_FILE = original


def test_include_audit_key_carries_the_key_and_restore_installs_it(world_a, media, settings, tmp_path):
    path = tmp_path / "with-key.tar.gz"
    plain = tmp_path / "plain.tar.gz"
    backup.create(output=plain)
    with tarfile.open(plain, "r:gz") as tar:
        assert bm.AUDIT_KEY_NAME not in tar.getnames()  # never by default
    backup.create(output=path, include_audit_key=True)
    with tarfile.open(path, "r:gz") as tar:
        assert tar.extractfile(bm.AUDIT_KEY_NAME).read() == keys.key_path().read_bytes()
    original = keys.key_path().read_bytes()
    elsewhere = tmp_path / "new-machine" / "audit.key"
    elsewhere.parent.mkdir()
    elsewhere.write_text(os.urandom(32).hex())
    settings.DENGBAO_AUDIT_KEY_FILE = elsewhere
    summary = backup.restore(archive=path, discard_newer_audit=True)
    assert summary.audit_key_installed and summary.audit_intact
    assert elsewhere.read_bytes() == original
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    assert list(elsewhere.parent.glob("audit.key.before-restore-*"))  # the replaced key is kept
    assert audit.verify()[1] is None
