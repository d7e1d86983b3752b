"""Fuzzing the restore reader: any archive may be refused, but only with its documented refusals.

The reader is ``core.backup_manifest.unpack_checked`` with the restore bounds
(``core.backup_bounds``), as ``dengbao restore`` runs it before touching anything. A crash
is any exception other than ``ArchiveError`` (including ``ManifestError``) or
``BoundsError``, or a file written outside the staging folder, or a staged member whose
size or SHA-256 is not the manifest's. Inputs are valid archives built here (random
members, names, sizes), mutated at the gzip, tar or manifest level, and random bytes.

    .venv/bin/python fuzz/restore_reader.py --seconds 600

The bounded CI run is tests/security/test_restore_reader_fuzz.py.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from dengbao.core import backup_bounds as bounds  # noqa: E402
from dengbao.core import backup_manifest as bm  # noqa: E402

LIMITS = bounds.RestoreLimits(max_bytes=8 * bounds.MB, max_ratio=200, keep_free_bytes=0)
NAMES = [
    "media/a.txt", "media/报告/测评.docx", "media/x/../../escape", "/etc/passwd", "media/./a",
    "media//b", "database.jsonl", "manifest.json", "audit.key", "media/" + "n" * 300, "other/file",
    "media/\x00nul", "C:/x",
]  # fmt: skip


@st.composite
def members(draw) -> list[tuple[str, bytes]]:
    count = draw(st.integers(0, 4))
    chosen = [("database.jsonl", draw(st.binary(max_size=300)))]
    for _ in range(count):
        name = draw(
            st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=40).map(lambda s: "media/" + s))
        )
        data = draw(st.one_of(st.binary(max_size=300), st.integers(0, 200_000).map(bytes)))
        chosen.append((name, data))
    return chosen


def _manifest(entries: list[tuple[str, bytes]], draw) -> bytes:
    listed = [{"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in entries]
    data = {
        "format": bm.FORMAT,
        "format_version": bm.FORMAT_VERSION,
        "dengbao_version": "fuzz",
        "created_at": "2026-01-01T00:00:00+00:00",
        "database": {"vendor": "sqlite", "migrations": {}, "models": {}, "objects": 0},
        "members": listed,
    }
    if draw(st.booleans()):
        data["audit"] = {"head_seq": draw(st.integers(-2, 10)), "head_hash": "0" * 64, "key_id": ""}
    for _ in range(draw(st.integers(0, 2))):
        entry = draw(st.sampled_from(listed)) if listed else {}
        field = draw(st.sampled_from(["size", "sha256", "name"]))
        entry[field] = draw(st.one_of(st.integers(-5, 10**12), st.text(max_size=5), st.none()))
    return json.dumps(data, ensure_ascii=False).encode()


def _tar(entries: list[tuple[str, bytes]], manifest: bytes, draw) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        ordered = [("manifest.json", manifest), *entries]
        if draw(st.booleans()):
            ordered = draw(st.permutations(ordered))
        for name, data in ordered:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            kind = draw(
                st.sampled_from([tarfile.REGTYPE] * 6 + [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE])
            )
            info.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = draw(st.sampled_from(["/etc/passwd", "../x", "media/a.txt"]))
            if kind != tarfile.REGTYPE:
                info.size = 0
                tar.addfile(info)
            else:
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _mutate(data: bytes, draw) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["flip", "cut", "splice", "zeros"]))
        if action == "flip":
            out[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del out[at:]
        elif action == "splice":
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            out[at:at] = bytes(draw(st.integers(1, 2048)))
    return bytes(out)


@st.composite
def archives(draw) -> bytes:
    """A gzip'd tar (built valid, then maybe mutated before or after compression), or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2048))
    entries = draw(members())
    tar = _tar(entries, _manifest(entries, draw), draw)
    if draw(st.booleans()):
        tar = _mutate(tar, draw)
    tail = bytes(draw(st.sampled_from([0, 0, 0, 1024, 10 * bounds.MB])))
    packed = gzip.compress(tar + tail, compresslevel=1)
    if draw(st.booleans()):
        packed = _mutate(packed, draw)
    return packed


def check_one(data: bytes) -> None:
    """Run the reader on ``data``; refusals pass, anything else (or a stray or wrong file) raises."""
    work = Path(tempfile.mkdtemp(prefix="dengbao-fuzz-restore-"))
    try:
        archive = work / "archive.tar.gz"
        archive.write_bytes(data)
        staging = work / "staging"
        staging.mkdir()
        try:
            manifest = bm.unpack_checked(
                archive,
                staging,
                accept=lambda m: None,
                progress=bm.SilentProgress(),
                limits=LIMITS,
                free_bytes=lambda: 1 << 40,
            )
        except (bm.ArchiveError, bounds.BoundsError):
            manifest = None
        stray = sorted(p.name for p in work.iterdir())
        assert stray == ["archive.tar.gz", "staging"], f"written outside the staging folder: {stray}"
        if manifest is not None:
            for member in manifest.members:
                target = staging / (member.name if not member.name.startswith(bm.MEDIA_PREFIX) else "")
                if member.name.startswith(bm.MEDIA_PREFIX):
                    target = staging.joinpath(bm.MEDIA_DIR, *member.name[len(bm.MEDIA_PREFIX) :].split("/"))
                body = target.read_bytes()
                assert len(body) == member.size and hashlib.sha256(body).hexdigest() == member.sha256
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    args = parser.parse_args()
    deadline = time.monotonic() + args.seconds
    crashed: list[bytes] = []

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(archives())
    def fuzz(data: bytes) -> None:
        try:
            check_one(data)
        except Exception:
            crashed.append(data)
            raise

    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        try:
            fuzz()
        except Exception:
            path = Path(tempfile.mkstemp(prefix="dengbao-fuzz-restore-", suffix=".tar.gz")[1])
            path.write_bytes(crashed[-1])
            traceback.print_exc()
            print(f"restore reader: crash, input saved to {path}")
            sys.exit(1)
        print(f"restore reader: {rounds * 200} archives, no crash")
    print(f"restore reader: no crash in {rounds * 200} archives ({args.seconds:.0f} s)")
    sys.exit(0)


if __name__ == "__main__":
    main()
