"""Cost of the keyed audit chain: links per second, HMAC against the plain digest it replaced.

Pure core (no database): builds N records shaped like audit events, links them with
``hmac-sm3`` (or ``hmac-sha256`` where OpenSSL has no SM3) and with the plain digest,
then verifies both chains. The peer is the plain digest measured in the same run, so
the ratio is what the key costs per record.

    .venv/bin/python benchmarks/audit_chain.py [--records 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from dengbao.core import hashchain


def fields(seq: int) -> dict:
    return {
        "seq": seq,
        "at": "2026-12-07T12:00:00.000000+00:00",
        "actor_id": 7,
        "actor_name": "assessor",
        "ip": "10.0.0.8",
        "action": "result.save",
        "outcome": "ok",
        "object_type": "assessments.result",
        "object_id": str(seq),
        "object_repr": "L3-CES1-01 身份鉴别",
        "project_id": 1,
        "details": {"before": {"verdict": "不符合"}, "after": {"verdict": "符合"}},
    }


def chain(algorithm: str, n: int, key: bytes | None) -> tuple[float, float]:
    start = time.perf_counter()
    records, prev = [], hashchain.GENESIS
    for seq in range(1, n + 1):
        f = fields(seq)
        h = hashchain.link(algorithm, prev, f, key)
        records.append(hashchain.ChainRecord(seq, prev, h, algorithm, f))
        prev = h
    linked = time.perf_counter() - start
    start = time.perf_counter()
    assert hashchain.verify(records, key=key, allow_unkeyed=True) is None
    return linked, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    n = parser.parse_args().records
    key = os.urandom(32)
    keyed, plain = hashchain.preferred_algorithm(), hashchain.preferred_digest()
    k_link, k_verify = chain(keyed, n, key)
    p_link, p_verify = chain(plain, n, None)
    print(f"{n} records")
    print(f"{keyed:12} link {n / k_link:9.0f}/s  verify {n / k_verify:9.0f}/s")
    print(f"{plain:12} link {n / p_link:9.0f}/s  verify {n / p_verify:9.0f}/s")
    print(f"keyed/plain verify time ratio: {k_verify / p_verify:.2f}")


if __name__ == "__main__":
    main()
