"""nmap as the engine: same open ports as the built-in scanner, the choice recorded, checks added."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from dengbao.core.scanner import ScanRequest, Scope, pick_engine, run
from dengbao.core.scanner.nmap import command
from tests.monitor.servers import Site

from .listeners import Listener, closed_port

pytestmark = pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")
LOOPBACK = Scope.build(cidrs=["127.0.0.0/8"], techniques=["discovery", "vuln_scan", "web_scan"])


def both(request: ScanRequest):
    return [asyncio.run(run(request, LOOPBACK, engine=engine)) for engine in ("builtin", "nmap")]


def test_nmap_and_builtin_find_the_same_open_ports():
    with Listener() as a, Listener() as b, Listener(banner=b"SSH-2.0-Test\r\n") as c:
        closed: set[int] = set()
        while len(closed) < 5:  # five distinct closed ports (a port freed twice can come back twice)
            port = closed_port()
            if port not in (a.port, b.port, c.port):
                closed.add(port)
        ports = [a.port, b.port, c.port, *sorted(closed)]
        progress: list[tuple[int, int]] = []
        request = ScanRequest(targets=("127.0.0.1",), ports=",".join(map(str, ports)))
        mine = asyncio.run(run(request, LOOPBACK, engine="builtin"))
        theirs = asyncio.run(
            run(request, LOOPBACK, engine="nmap", progress=lambda d, t: progress.append((d, t)))
        )
    expected = {("127.0.0.1", a.port), ("127.0.0.1", b.port), ("127.0.0.1", c.port)}
    assert mine.open_ports() == theirs.open_ports() == expected
    assert (mine.engine, theirs.engine) == ("builtin", "nmap")
    assert theirs.command[1:2] == ("-sT",) and "-Pn" in theirs.command and "-n" in theirs.command
    assert progress[-1] == (8, 8) and theirs.errors == []
    assert theirs.to_dict()["engine"] == "nmap"


def test_auto_picks_nmap_when_installed():
    assert pick_engine("auto") == "nmap"
    with pytest.raises(ValueError, match="未知的扫描引擎"):
        pick_engine("masscan")


def test_nmap_web_profile_keeps_nmaps_service_and_adds_header_findings():
    with Site() as site:
        site.page("/", "<p>hi</p>")
        result = asyncio.run(
            run(
                ScanRequest(targets=("127.0.0.1",), ports=str(site.port), profile="web"),
                LOOPBACK,
                engine="nmap",
            )
        )
    (opened,) = result.open
    assert result.engine == "nmap" and "-sV" in result.command
    assert opened.service == "http" and opened.headers is not None
    assert sorted(f.tool_rule_id for f in result.findings) == [
        "http.csp-missing",
        "http.xcto-missing",
        "http.xfo-missing",
    ]


def test_command_is_a_fixed_argument_list():
    argv = command(
        "/usr/bin/nmap", [22, 80, 81], profile_args=("-sT",), ipv6=False, rate=100, concurrency=64, timeout=1
    )
    assert argv[:2] == ["/usr/bin/nmap", "-sT"]
    assert argv[argv.index("-p") + 1] == "22,80-81" and argv[argv.index("--max-rate") + 1] == "100"
    assert argv[-4:] == ["-oX", "-", "-iL", "-"]  # targets come on stdin, never on a command line
