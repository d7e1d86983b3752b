"""Cold load time of the whole requirement catalogue (goal: under 200 ms).

Each run starts a fresh interpreter, so nothing is cached: import of the loader,
reading every YAML file, validation and indexing. The peer is the naive way to
read the same files (PyYAML's pure-Python SafeLoader, no validation), timed the
same way, so the ratio shows what validation and the libyaml parser cost or save.

    .venv/bin/python benchmarks/catalogue_load.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

OURS = """
import time
t = time.perf_counter()
from dengbao.core.catalogue import load
cat = load(use_cache=USE_CACHE)
ms = (time.perf_counter() - t) * 1000
print(json.dumps({"ms": ms, "items": len(cat.items), "cases": len(cat.high_risk)}))
"""

PEER = """
import time
t = time.perf_counter()
import yaml
from pathlib import Path
import dengbao.core.catalogue.loader as loader
n = 0
for path in sorted(loader.DATA_DIR.glob("*.yaml")):
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    n += len(doc.get("items", []) or doc.get("cases", []) or [])
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "items": n}))
"""


def run(code: str, **names: object) -> dict:
    prelude = "import json\n" + "".join(f"{k} = {v!r}\n" for k, v in names.items())
    out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    run(OURS, USE_CACHE=True)  # make sure the compiled cache exists
    cached = [run(OURS, USE_CACHE=True) for _ in range(args.runs)]
    parsed = [run(OURS, USE_CACHE=False) for _ in range(args.runs)]
    peer = [run(PEER) for _ in range(args.runs)]
    cached_ms = statistics.median(r["ms"] for r in cached)
    parsed_ms = statistics.median(r["ms"] for r in parsed)
    peer_ms = statistics.median(r["ms"] for r in peer)
    items, cases = cached[0]["items"], cached[0]["cases"]
    print(f"catalogue: {items} items, {cases} high-risk cases; median of {args.runs} processes")
    print(f"cold load, compiled cache present: {cached_ms:.1f} ms  (goal < 200 ms)")
    print(f"cold load, no cache (parse + validate + index): {parsed_ms:.1f} ms")
    print(f"peer: plain yaml.SafeLoader read of the same files, no validation: {peer_ms:.1f} ms")
    print(f"ratio cached/peer: {cached_ms / peer_ms:.2f}; parsed/peer: {parsed_ms / peer_ms:.2f}")


if __name__ == "__main__":
    main()
