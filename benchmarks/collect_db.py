"""Database collection: the generated scripts against the local servers, and rule evaluation of
many outputs.

Runs the MySQL script with ``mysql`` against MariaDB on 127.0.0.1:3306 (root, no password) and
the PostgreSQL script with ``psql`` against 127.0.0.1:5432 (postgres, trust), as a DBA would, and
times each run; then reads and evaluates N copies of each output (as an import does). Only reads:
the scripts are SELECT/SHOW.

    .venv/bin/python benchmarks/collect_db.py [--outputs 100] [--runs 3]
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
from dengbao.core.collect.inputs import read_any
from dengbao.core.collect.scripts import mysql, postgresql

CLIENTS = {
    "mysql": (
        mysql,
        ["mysql", "--no-defaults", "--force", "-N", "-B", "-h127.0.0.1", "-P3306", "-uroot"],
        "stdin",
    ),
    "postgresql": (
        postgresql,
        ["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "postgres", "-f"],
        "file",
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outputs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rules = collect.load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        for platform, (module, cmd, how) in CLIENTS.items():
            script = Path(tmp, f"{platform}.sql")
            script.write_text(module.script(), encoding="utf-8")
            times, out = [], b""
            for _ in range(args.runs):
                start = time.perf_counter()
                if how == "stdin":
                    with script.open("rb") as f:
                        out = subprocess.run(cmd, stdin=f, capture_output=True, check=True).stdout
                else:
                    out = subprocess.run([*cmd, str(script)], capture_output=True, check=True).stdout
                times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for i in range(args.outputs):
                bundle = read_any(f"{i}.txt", out)
                results = collect.evaluate(rules, bundle.artefacts, platform=platform)
            elapsed = time.perf_counter() - start
            print(
                f"{platform}: script run median {statistics.median(times):.2f} s over {args.runs} runs "
                f"({len(out)} bytes); read + evaluate {len(results)} rules × {args.outputs} outputs "
                f"{elapsed:.2f} s ({elapsed / args.outputs * 1000:.1f} ms each)"
            )


if __name__ == "__main__":
    main()
