"""The Linux collection script, run for real on this (Debian) machine."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from dengbao.core.collect import BundleError, read_bundle
from dengbao.core.collect.scripts import linux


def _tree_digest(root: Path) -> dict[str, str]:
    """Content and metadata of every entry under root (what 'changes nothing' means)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            st = path.lstat()
            meta = f"{st.st_mode:o} {st.st_uid} {st.st_gid} {st.st_size} {st.st_mtime_ns}"
            if path.is_file() and not path.is_symlink():
                try:
                    meta += " " + hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    meta += " unreadable"
            out[str(path)] = meta
    return out


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("collect")
    script = work / "c.sh"
    script.write_text(linux.script(), encoding="utf-8")
    before = _tree_digest(Path("/etc"))
    done = subprocess.run(
        ["sh", str(script), str(work / "bundle.tar.gz")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    after = _tree_digest(Path("/etc"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(work / "bundle.tar.gz")
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], changed
    assert sorted(p.name for p in work.iterdir()) == ["bundle.tar.gz", "c.sh"]  # nothing else written
    return work / "bundle.tar.gz"


def test_script_is_posix_sh_and_only_reads():
    text = linux.script()
    assert text.startswith("#!/bin/sh\n")
    assert subprocess.run(["sh", "-n"], input=text, text=True).returncode == 0
    if Path("/usr/bin/checkbashisms").exists():  # pragma: no cover - optional devscripts
        assert subprocess.run(["checkbashisms", "-"], input=text, text=True).returncode == 0
    for forbidden in (
        "rm -f /",
        "> /etc",
        ">/etc",
        "sed -i",
        "chmod ",
        "chown ",
        "systemctl start",
        "cat /etc/shadow",
    ):
        assert forbidden not in text, forbidden


def test_bundle_manifest_hashes_and_host(bundle_path):
    with tarfile.open(bundle_path) as tar:
        names = {m.name.removeprefix("./") for m in tar.getmembers() if m.isfile()}
        manifest = json.load(tar.extractfile("manifest.json"))
        for entry in manifest["commands"]:
            body = tar.extractfile(entry["file"]).read()
            assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry["name"]
    assert manifest["collector"] == "dengbao-linux" and manifest["platform"] == "linux"
    assert manifest["version"] == linux.VERSION
    hostname = subprocess.run(["hostname"], capture_output=True, text=True).stdout.strip()
    assert manifest["host"]["hostname"] == hostname
    assert manifest["host"]["kernel"] == os.uname().release
    assert manifest["started"] <= manifest["finished"]
    assert {e["name"] for e in manifest["commands"]} == {name for name, _ in linux.COMMANDS}
    assert names == {"manifest.json"} | {e["file"] for e in manifest["commands"]}
    bundle = read_bundle(bundle_path.read_bytes())
    assert "PASS_MAX_DAYS" in bundle.artefacts["login_defs"]
    assert bundle.artefacts["kernel"].strip() == os.uname().release
    assert "root:" in bundle.artefacts["passwd"]


def test_no_password_hash_leaves_the_host(bundle_path):
    shadow = Path("/etc/shadow")
    if not os.access(shadow, os.R_OK):
        pytest.skip("needs root to read /etc/shadow")
    hashes = [f[1] for f in (line.split(":") for line in shadow.read_text().splitlines()) if len(f[1]) > 3]
    bundle = read_bundle(bundle_path.read_bytes())
    blob = "\n".join(bundle.artefacts.values())
    for value in hashes:
        assert value not in blob
    for line in bundle.artefacts["shadow_aging"].splitlines():
        assert len(line.split(":")) == 8  # name + the seven aging fields, never field 2


def test_tampered_bundle_is_refused(bundle_path):
    raw = bundle_path.read_bytes()
    src = tarfile.open(fileobj=io.BytesIO(raw))
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("login_defs.txt"):
                data = data.replace(b"PASS_MAX_DAYS", b"PASS_MAX_DAYS 90\n#")
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(BundleError, match="SHA-256"):
        read_bundle(out.getvalue())


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil": b"x"}, "不允许"),
        ({"out/a.txt": b"x"}, "manifest.json"),
        ({"manifest.json": b"{not json"}, "JSON"),
        (
            {"manifest.json": b'{"commands": [{"name": "a", "file": "out/a.txt", "sha256": "0"}]}'},
            "不在采集包中",
        ),
    ],
)
def test_bad_bundles_get_a_clear_message(members, message):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BundleError, match=message):
        read_bundle(out.getvalue())
    with pytest.raises(BundleError, match=r"tar\.gz"):
        read_bundle(b"not a tarball")


def test_commands_past_the_time_budget_are_skipped_not_judged(tmp_path):
    from dengbao.core.collect import State, evaluate, load_rules

    (tmp_path / "c.sh").write_text(linux.script(budget_s=0), encoding="utf-8")
    subprocess.run(["sh", "c.sh", "b.tar.gz"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    bundle = read_bundle((tmp_path / "b.tar.gz").read_bytes())
    assert bundle.artefacts == {}
    assert set(bundle.exit_codes.values()) == {125}
    assert len(bundle.warnings) == len(linux.COMMANDS)
    assert {r.state for r in evaluate(load_rules(platform="linux"), bundle.artefacts)} == {State.ERROR}
