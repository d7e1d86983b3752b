"""Evidence collection: the Linux script on this machine, and rule evaluation of many bundles.

Pure core (no database). Runs the generated script with ``sh`` (a real run: root reads more),
reads and verifies its bundle, then evaluates every built-in rule over N copies of that bundle
(each read from its bytes, hashes checked, as an import does). The anchor is Wazuh SCA's
19–26 s per host (steady state) from the prior-art notes; the goals are < 30 s to collect and
< 10 s to evaluate 100 bundles.

    .venv/bin/python benchmarks/collect.py [--bundles 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from dengbao.core import collect
from dengbao.core.collect.scripts import linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "c.sh")
        script.write_text(linux.script(), encoding="utf-8")
        times = []
        for n in range(args.runs):
            start = time.perf_counter()
            subprocess.run(["sh", str(script), f"b{n}.tar.gz"], cwd=tmp, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        data = Path(tmp, "b0.tar.gz").read_bytes()
    print(
        f"linux collection: median {statistics.median(times):.2f} s over {args.runs} runs "
        f"(max {max(times):.2f} s; {len(linux.COMMANDS)} commands; bundle {len(data) / 1024:.0f} KiB); "
        f"goal < 30 s, Wazuh SCA anchor 19-26 s"
    )
    start = time.perf_counter()
    rules = collect.load_rules(platform="linux")
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    verdicts = 0
    for _ in range(args.bundles):
        bundle = collect.read_bundle(data)
        results = collect.evaluate(rules, bundle.artefacts)
        collect.propose(results, level="L3")
        verdicts += len(results)
    eval_s = time.perf_counter() - start
    print(f"rules: {len(rules)} loaded and validated in {load_s * 1000:.0f} ms")
    print(
        f"evaluation: {args.bundles} bundles ({verdicts} verdicts) in {eval_s:.2f} s "
        f"= {eval_s / args.bundles * 1000:.1f} ms per bundle; goal < 10 s for 100"
    )


if __name__ == "__main__":
    main()
