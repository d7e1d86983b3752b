"""Windows bundles: reading (zip, UTF-16 secedit) and evaluating the built-in Windows rules.

PowerShell is not on this machine, so the bundle is packed from the weak host's fixture files
(tests/collect/fixtures/windows/weak) with a manifest like the script's; each of N copies is read
from its bytes (hashes checked) and evaluated as an import does. Goal: < 10 s for 100 bundles.

    .venv/bin/python benchmarks/collect_windows.py [--bundles 100]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from dengbao.core import collect  # noqa: E402

FIXTURES = ROOT / "tests" / "collect" / "fixtures" / "windows"


def pack(host: str) -> bytes:
    bodies = {p.stem: p.read_bytes() for p in sorted((FIXTURES / host).glob("*.txt"))}
    commands = [
        {"name": n, "file": f"out/{n}.txt", "rc": 0, "sha256": hashlib.sha256(b).hexdigest()}
        for n, b in bodies.items()
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps({"platform": "windows", "commands": commands}))
        for name, body in bodies.items():
            archive.writestr(f"out/{name}.txt", body)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=100)
    args = parser.parse_args()
    data = pack("weak")
    start = time.perf_counter()
    rules = collect.load_rules(platform="windows")
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    verdicts = 0
    for _ in range(args.bundles):
        bundle = collect.read_bundle(data)
        results = collect.evaluate(rules, bundle.artefacts)
        collect.propose(results, level="L3")
        verdicts += len(results)
    eval_s = time.perf_counter() - start
    print(f"windows rules: {len(rules)} loaded and validated in {load_s * 1000:.0f} ms")
    print(
        f"evaluation: {args.bundles} zip bundles of {len(data) / 1024:.0f} KiB ({verdicts} verdicts) in "
        f"{eval_s:.2f} s = {eval_s / args.bundles * 1000:.1f} ms per bundle; goal < 10 s for 100"
    )


if __name__ == "__main__":
    main()
