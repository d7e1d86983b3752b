"""A scan across a veth pair into a network namespace this test creates: both engines agree, and a
packet capture on the veth proves nothing was sent to the address the authorisation excludes.

Needs root and iproute2 (CI runs as root); elsewhere only this module is skipped. The capture is
an AF_PACKET socket on the host end of the veth, so it needs no tcpdump and sees every frame
that leaves, ARP included.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from dengbao.core.scanner import Guard, OutOfScope, ScanRequest, Scope, ScopeRefused, run
from dengbao.core.scanner import engine as builtin
from dengbao.core.scanner import nmap as nmap_engine

LISTENERS = Path(__file__).with_name("listeners.py")
OPEN_ON_TARGET = (22, 80, 3306, 8080)
SCANNED = "1-10000"
ETH_P_ALL = 0x0003


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass
class Namespace:
    name: str
    host_if: str
    host: str  # the host end, e.g. 10.200.1.1
    target: str  # in the namespace, in scope
    excluded: str  # in the namespace too, listening, but excluded from the scope
    network: str


def _free_subnet() -> int:
    """A 10.200.N.0/24 not routed yet; the search starts at a place of this process's own, so that two
    test processes at once (pytest-xdist workers) do not both take the first free one."""
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=True).stdout
    start = os.getpid() % 254
    return next(n for n in ((start + i) % 254 + 1 for i in range(254)) if f"10.200.{n}." not in routes)


@pytest.fixture
def netns(request):
    if os.geteuid() != 0:
        pytest.skip("needs root to create a network namespace and a veth pair (CI runs as root)")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2's `ip` to create a network namespace")
    pid = os.getpid() % 100000
    n = _free_subnet()
    ns = Namespace(
        f"dbscan{pid}", f"dbs{pid}h", f"10.200.{n}.1", f"10.200.{n}.2", f"10.200.{n}.3", f"10.200.{n}.0/24"
    )
    peer = f"dbs{pid}n"
    listener: subprocess.Popen[str] | None = None

    def cleanup() -> None:
        if listener is not None:
            listener.kill()
            listener.wait(5)
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)
        subprocess.run(["ip", "link", "del", ns.host_if], capture_output=True)

    request.addfinalizer(cleanup)
    try:
        _ip("netns", "add", ns.name)
        _ip("link", "add", ns.host_if, "type", "veth", "peer", "name", peer)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot create a namespace here: {exc.stderr.decode().strip()}")
    _ip("link", "set", peer, "netns", ns.name)
    _ip("addr", "add", f"{ns.host}/24", "dev", ns.host_if)
    _ip("link", "set", ns.host_if, "up")
    for address in (ns.target, ns.excluded):
        _ip("-n", ns.name, "addr", "add", f"{address}/24", "dev", peer)
    _ip("-n", ns.name, "link", "set", peer, "up")
    _ip("-n", ns.name, "link", "set", "lo", "up")
    pairs = [f"{ns.target}:{p}" for p in OPEN_ON_TARGET] + [f"{ns.excluded}:{p}" for p in (22, 80)]
    listener = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable, str(LISTENERS), *pairs],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert listener.stdout is not None and listener.stdout.readline().strip() == "ready"
    return ns


class Capture:
    """Every frame leaving or entering one interface: TCP SYNs and ARP requests by destination."""

    def __init__(self, interface: str) -> None:
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        # ~20,000 SYNs and their answers arrive faster than a busy machine (the suite's other worker,
        # other processes) lets this thread read them: a buffer that holds them all (root may
        # exceed rmem_max), so that the kernel drops none
        self.sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 64 * 1024 * 1024)
        self.sock.bind((interface, 0))
        self.sock.settimeout(0.1)
        self.syn: Counter[str] = Counter()
        self.arp: Counter[str] = Counter()
        self.ipv4: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        while True:
            try:
                frame = self.sock.recv(65535)
            except TimeoutError:
                if self._stop.is_set():  # stopped, and every frame still queued has been read
                    return
                continue
            kind = struct.unpack("!H", frame[12:14])[0]
            if kind == 0x0806 and len(frame) >= 42:
                self.arp[socket.inet_ntoa(frame[38:42])] += 1
            elif kind == 0x0800 and len(frame) >= 34:
                ip = frame[14:]
                dst = socket.inet_ntoa(ip[16:20])
                self.ipv4[dst] += 1
                header = (ip[0] & 0x0F) * 4
                if ip[9] == 6 and len(ip) > header + 13 and ip[header + 13] & 0x02:
                    self.syn[dst] += 1

    def __enter__(self) -> Capture:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)
        self.sock.close()


def test_namespace_scan_same_ports_both_engines_and_no_packet_outside_scope(netns: Namespace):
    scope = Scope.build(cidrs=[netns.network], exclude=[netns.excluded], techniques=["discovery"])
    request = ScanRequest(targets=(netns.target,), ports=SCANNED, timeout=1.0)
    with Capture(netns.host_if) as capture:
        mine = asyncio.run(run(request, scope, engine="builtin"))
        theirs = asyncio.run(run(request, scope, engine="nmap")) if shutil.which("nmap") else None
        for targets in ((netns.target, netns.excluded), (netns.network,)):
            with pytest.raises(ScopeRefused) as refused:
                asyncio.run(run(ScanRequest(targets=targets, ports=SCANNED), scope, engine="builtin"))
            assert [r.code for r in refused.value.refusals] == ["excluded"]
            assert netns.excluded in refused.value.refusals[0].reason
        guard = Guard([netns.target])
        with pytest.raises(OutOfScope):  # handed straight to the engines, past the scope check
            asyncio.run(builtin.scan([netns.target, netns.excluded], [22, 80], guard=guard))
        with pytest.raises(OutOfScope):
            asyncio.run(nmap_engine.scan([netns.target, netns.excluded], [22, 80], guard=guard))

    expected = {(netns.target, p) for p in OPEN_ON_TARGET}
    assert mine.open_ports() == expected and mine.errors == []
    if theirs is not None:
        assert theirs.engine == "nmap" and theirs.open_ports() == expected
    assert capture.syn[netns.target] >= 10000  # the capture saw the scans themselves
    assert capture.syn[netns.excluded] == 0
    assert capture.arp[netns.excluded] == 0 and capture.ipv4[netns.excluded] == 0
