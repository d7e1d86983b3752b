"""nmap imports close only what nmap looked at: real nmap runs against loopback listeners this test starts.

A TCP scan of a port range closes only open services inside that range; a UDP scan closes no TCP
service; a host that is up with every scanned port closed counts as a host and closes its open
ports in the range. The import is driven through ``dengbao import-scan --json`` as a user would.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
from contextlib import ExitStack

import pytest
from click.testing import CliRunner

from dengbao.accounts.roles import ProjectRole
from dengbao.cli import main
from dengbao.core.importers import Coverage, parse
from dengbao.scanning.inventory_models import Service

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed"),
    # one worker runs this module's tests in turn: two of them at once could pick overlapping port
    # ranges, and one's nmap would count the other's listeners (seen once in CI: 5 new, not 4)
    pytest.mark.xdist_group("nmap-loopback-ranges"),
]


class Listeners:
    """TCP (and UDP) sockets on 127.0.0.1 inside one free 101-port range, closed one by one."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.sockets: dict[int, socket.socket] = {}
        for _ in range(50):
            # below the kernel's ephemeral ports (32768 and up), where other tests' servers bind port 0
            self.base = random.randrange(20000, 32768 - 101)
            try:
                self._free(self.base, self.base + 101)  # no other listener inside the range
                for offset in (10, 20, 30):
                    self._tcp(self.base + offset)
                break
            except OSError:
                for sock in self.sockets.values():
                    sock.close()
                self.sockets.clear()
        else:  # pragma: no cover - the machine has no free block at all
            pytest.fail("no free block of loopback ports")
        self.outside = self._tcp(0)  # an ephemeral port, outside the range

    @staticmethod
    def _free(start: int, stop: int) -> None:
        """Raise OSError unless every port in [start, stop) can be bound on 127.0.0.1 right now."""
        for port in range(start, stop):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind(("127.0.0.1", port))

    @property
    def range(self) -> str:
        return f"{self.base}-{self.base + 100}"

    def _tcp(self, port: int) -> int:
        sock = self.stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(8)
        port = sock.getsockname()[1]
        self.sockets[port] = sock
        return port

    def udp(self, port: int) -> None:
        sock = self.stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        sock.bind(("127.0.0.1", port))

    def close(self, port: int) -> None:
        self.sockets.pop(port).close()


def nmap(tmp_path, name: str, *args: str) -> str:
    out = tmp_path / name
    command = [
        "nmap",
        "-n",
        "-Pn",
        "--max-retries",
        "1",
        "--host-timeout",
        "60s",
        *args,
        "-oX",
        str(out),
        "127.0.0.1",
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return str(out)


def import_json(world, path: str) -> dict:
    user = world.members[ProjectRole.ASSESSOR].username
    args = [
        "import-scan",
        "--project",
        world.project.slug,
        "--user",
        user,
        "--format",
        "nmap",
        path,
        "--json",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def states(world) -> dict[tuple[int, str], str]:
    rows = Service.objects.filter(asset__project=world.project, asset__host="127.0.0.1")
    return {(s.port, s.protocol): s.state for s in rows}


def test_range_and_protocol_bound_what_an_nmap_import_closes(world, tmp_path):
    with ExitStack() as stack:
        ports = Listeners(stack)
        a, b, c = ports.base + 10, ports.base + 20, ports.base + 30
        first = nmap(tmp_path, "first.xml", "-sT", "-p", f"{ports.range},{ports.outside}")
        summary = import_json(world, first)
        assert summary["services"] == {"new": 4, "unchanged": 0, "closed": 0}  # N open ports → new N
        assert summary["hosts"] == 1 and summary["warnings"] == []

        ports.close(b)
        ports.close(ports.outside)  # closed now, but the next scan does not look at it
        second = nmap(tmp_path, "second.xml", "-sT", "-p", ports.range)
        (coverage,) = [r for r in parse(second) if isinstance(r, Coverage)]
        assert coverage.ports.describe() == f"tcp {ports.range}"
        summary = import_json(world, second)
        assert summary["services"] == {"new": 0, "unchanged": 2, "closed": 1}
        assert states(world) == {(a, "tcp"): "open", (b, "tcp"): "closed", (c, "tcp"): "open",
                                 (ports.outside, "tcp"): "open"}  # fmt: skip

        ports.udp(a)
        udp = nmap(tmp_path, "udp.xml", "-sU", "-p", f"{a},{c}")
        summary = import_json(world, udp)
        assert summary["services"]["closed"] == 0  # a UDP scan closes no TCP service
        after = states(world)
        assert after[(a, "tcp")] == after[(c, "tcp")] == after[(ports.outside, "tcp")] == "open"
        assert after[(c, "udp")] == "closed" and after[(a, "udp")] in ("open", "open|filtered")

        ports.close(c)
        only_c = nmap(tmp_path, "only-c.xml", "-sT", "-p", str(c))
        summary = import_json(world, only_c)  # up, every scanned port closed: a host, and c closes
        assert summary["hosts"] == 1 and summary["services"] == {"new": 0, "unchanged": 0, "closed": 1}
        assert states(world)[(c, "tcp")] == "closed" and states(world)[(a, "tcp")] == "open"


def test_a_scan_that_ended_in_error_closes_nothing(world, tmp_path):
    with ExitStack() as stack:
        ports = Listeners(stack)
        import_json(world, nmap(tmp_path, "first.xml", "-sT", "-p", ports.range))
        for port in list(ports.sockets):
            ports.close(port)
        later = nmap(tmp_path, "later.xml", "-sT", "-p", ports.range)
    text = open(later, encoding="utf-8").read()
    broken = text.replace('exit="success"', 'exit="error" errormsg="interrupted by the operator"')
    assert broken != text
    (tmp_path / "broken.xml").write_text(broken, encoding="utf-8")
    summary = import_json(world, str(tmp_path / "broken.xml"))
    assert summary["services"]["closed"] == 0
    assert "interrupted by the operator" in summary["warnings"][0]["message"]
    assert set(states(world).values()) == {"open"}
