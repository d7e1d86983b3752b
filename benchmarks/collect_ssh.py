"""Live SSH collection of many hosts at once: OpenSSH servers in network namespaces made here.

Each host is a network namespace with Debian's sshd (tests/collect/sshlab.py); the Linux script
goes through each session's stdin and its bundle comes back on stdout, is verified and evaluated
against the built-in rules, as ``dengbao collect ssh`` does before importing. Goal (issue 18):
20 hosts in parallel under 60 s. Needs root.

    .venv/bin/python benchmarks/collect_ssh.py [--hosts 20] [--parallel 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "collect"))

import sshlab  # noqa: E402

from dengbao.core import collect  # noqa: E402
from dengbao.core.collect import ssh  # noqa: E402
from dengbao.core.collect.scripts import linux  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lab = sshlab.Lab(Path(tmp))
        try:
            key = sshlab.keypair(Path(tmp) / "id")
            start = time.perf_counter()
            hosts = [lab.add(authorized=key.with_suffix(".pub")) for _ in range(args.hosts)]
            print(f"set-up: {args.hosts} namespaces with sshd in {time.perf_counter() - start:.1f} s")
            targets = [ssh.Target(h.address, h.address) for h in hosts]
            creds = ssh.Credentials("root", key_file=str(key))
            start = time.perf_counter()
            outcomes = asyncio.run(ssh.collect_many(targets, creds, linux.script(), parallel=args.parallel))
            wall = time.perf_counter() - start
        finally:
            lab.close()
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"FAILED {o.target.address}: {o.status} {o.message}")
    rules = collect.load_rules(platform="linux")
    decided = [
        sum(r.state in (collect.State.PASS, collect.State.FAIL) for r in collect.evaluate(rules, b.artefacts))
        for b in (collect.read_bundle(o.bundle) for o in outcomes if o.ok)
    ]
    per_host = [o.seconds for o in outcomes]
    print(
        f"collected {len(outcomes) - len(failed)}/{len(outcomes)} hosts over SSH, parallel {args.parallel}: "
        f"wall {wall:.1f} s (goal < 60 s), per host median {statistics.median(per_host):.1f} s, "
        f"max {max(per_host):.1f} s; rules decided per bundle: min {min(decided, default=0)}"
    )
    sys.exit(1 if failed or wall >= 60 else 0)


if __name__ == "__main__":
    main()
