"""All 65,535 TCP ports on 127.0.0.1: the built-in engine against `nmap -sT -p- -T4`, in one run.

Goal: the built-in engine within 1.5x of nmap's time, and both report the same open ports.
Five listeners are opened for the run and both engines must find all of them. Other services
already on loopback are reported too; on a shared machine some of them come and go between the
two scans (other processes' short-lived ports), so a port seen by one engine only is listed,
not counted as a disagreement, when it is not one of ours. Each engine runs ``--rounds`` times,
alternating, and the best time of each is compared.

    .venv/bin/python benchmarks/portscan.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import socket
import subprocess
import time

from dengbao.core.importers.nmap import parse as parse_nmap_xml
from dengbao.core.scanner import ScanRequest, Scope, run

SCOPE = Scope.build(cidrs=["127.0.0.1/32"], techniques=["discovery"])


def listeners(count: int) -> list[socket.socket]:
    return [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]


async def builtin_scan() -> tuple[float, set[int]]:
    started = time.perf_counter()
    result = await run(ScanRequest(targets=("127.0.0.1",), profile="full"), SCOPE, engine="builtin")
    seconds = time.perf_counter() - started
    if result.errors:
        print("built-in errors:", result.errors)
    return seconds, {p.port for p in result.open}


def nmap_scan(binary: str) -> tuple[float, set[int]]:
    argv = [binary, "-sT", "-p-", "-T4", "-n", "-Pn", "-oX", "-", "127.0.0.1"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=True)
    seconds = time.perf_counter() - started
    records = parse_nmap_xml(io.BytesIO(done.stdout), "nmap")
    return seconds, {r.port for r in records if getattr(r, "state", "") == "open"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binary = shutil.which("nmap")
    socks = listeners(5)
    own = {s.getsockname()[1] for s in socks}
    print(f"listeners opened on 127.0.0.1: {sorted(own)}")
    mine: list[float] = []
    theirs: list[float] = []
    agree = True
    for round_no in range(1, args.rounds + 1):
        seconds, found = asyncio.run(builtin_scan())
        mine.append(seconds)
        line = f"round {round_no}: built-in {seconds:6.2f} s, {len(found)} open"
        if binary:
            nmap_seconds, nmap_found = nmap_scan(binary)
            theirs.append(nmap_seconds)
            ours = own <= found and own <= nmap_found
            agree = agree and ours
            line += f" | nmap {nmap_seconds:6.2f} s, {len(nmap_found)} open"
            line += (
                f" | our listeners found by both: {ours} | identical open-port sets: {found == nmap_found}"
            )
            if found != nmap_found:
                only = f"built-in {sorted(found - nmap_found)}, nmap {sorted(nmap_found - found)}"
                line += f" | other processes' ports seen by one engine only: {only}"
        print(line)
    for sock in socks:
        sock.close()
    print(f"built-in engine, 65,535 ports: best {min(mine):.2f} s")
    if not binary:
        print("nmap is not installed: no ratio")
        return 0
    ratio = min(mine) / min(theirs)
    print(f"nmap -sT -p- -T4, 65,535 ports: best {min(theirs):.2f} s")
    print(f"ratio built-in / nmap: {ratio:.2f} (goal <= 1.5) -> {'met' if ratio <= 1.5 else 'NOT met'}")
    print(f"both engines found every listener of ours in every round: {agree}")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
