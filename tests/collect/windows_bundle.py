"""Pack a Windows fixture host (fixtures/windows/<host>/) into a bundle as the collector writes it.

The files are taken byte for byte (secedit.txt stays UTF-16LE with its BOM), hashed into a
manifest like the script's, and packed as a .tar.gz (tar.exe) or a .zip (hosts without tar).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

from dengbao.core.collect.scripts import windows

FIXTURES = Path(__file__).parent / "fixtures" / "windows"
SKIPPED = {"weak": {"features"}}  # commands the weak host's run skipped (budget used up: rc 125)
HOSTS = {
    "hardened": {
        "hostname": "WIN-HIS-DB01",
        "addresses": ["10.20.3.11"],
        "os": "Microsoft Windows Server 2019 Standard",
    },
    "weak": {
        "hostname": "WIN-EMR-DB01",
        "addresses": ["192.168.10.21"],
        "os": "Microsoft Windows Server 2016 Datacenter",
    },
}


def files(host: str) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((FIXTURES / host).glob("*.txt"))}


def manifest(host: str, bodies: dict[str, bytes]) -> dict:
    code = dict(windows.COMMANDS)
    return {
        "collector": "dengbao-windows",
        "version": windows.VERSION,
        "platform": "windows",
        "host": {**HOSTS[host], "machine_id": "", "kernel": "", "domain": "WORKGROUP"},
        "run_as": f"{HOSTS[host]['hostname']}\\Administrator",
        "started": "2026-12-01T01:30:00Z",
        "finished": "2026-12-01T01:30:21Z",
        "commands": [
            {
                "name": name,
                "command": code[name],
                "file": f"out/{name}.txt",
                "rc": 125 if name in SKIPPED.get(host, ()) else 0,
                "sha256": hashlib.sha256(body).hexdigest(),
            }
            for name, body in bodies.items()
        ],
    }


def bundle(host: str, *, kind: str = "tar.gz") -> bytes:
    bodies = files(host)
    members = {"manifest.json": json.dumps(manifest(host, bodies), indent=2).encode()}
    members.update({f"out/{name}.txt": body for name, body in bodies.items()})
    out = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, body in members.items():
                archive.writestr(name, body)
    else:
        with tarfile.open(fileobj=out, mode="w:gz") as tar:
            for name, body in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
    return out.getvalue()
