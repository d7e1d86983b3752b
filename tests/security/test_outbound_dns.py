"""Issue #13, finding 11 (the DNS part): a scan target given as a host name is matched against the
signed authorisation before any DNS query.

Two ways to see whether a query happened, neither of them a mock of the code under test:

- the scanning service and the scan runner take the resolver function they use (``lookup``;
  default: the system resolver). The tests pass the real system resolver wrapped in a recorder,
  so a name is resolved for real (``localhost`` through /etc/hosts) and the recorder lists every
  name the code asked about;
- ``test_no_dns_question_is_asked_for_a_name_outside_the_authorisation`` uses no hook at all: a
  child process in a network and mount namespace this test creates, whose /etc/resolv.conf points
  at a DNS server on the namespace's loopback, runs the scope check with the default resolver;
  the server lists every question that reached it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dengbao.core import scanner
from dengbao.core.scanner.targets import system_lookup
from dengbao.scanning import scan_services
from dengbao.scanning.models import Scan
from tests.scanning import factories

CHILD = Path(__file__).with_name("dns_child.py")


class Recorder:
    """The system resolver, noting each name it is asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, name: str):
        self.asked.append(name)
        return system_lookup(name)


def test_a_scan_of_a_name_outside_the_authorisation_is_refused_without_resolving_it(world_a):
    authorisation = factories.authorisation(world_a, hosts=["localhost"], cidrs=["10.20.1.0/24"])
    lookup = Recorder()
    scan = scan_services.scan_create(
        actor=world_a.members["manager"],
        project=world_a.project,
        targets="intranet-admin.hospital.example",
        authorisation=authorisation,
        start=False,
        lookup=lookup,
    )
    assert scan.status == Scan.Status.REFUSED and "未列入授权书" in scan.refused_reason
    assert lookup.asked == []

    # a listed name is resolved (once) and each address it resolved to is checked again:
    # localhost answers 127.0.0.1, outside the authorised network
    listed = scan_services.scan_create(
        actor=world_a.members["manager"],
        project=world_a.project,
        targets="localhost",
        authorisation=authorisation,
        start=False,
        lookup=lookup,
    )
    assert lookup.asked == ["localhost"]
    assert listed.status == Scan.Status.REFUSED and "127.0.0.1" in listed.refused_reason


def test_the_scan_runner_matches_names_before_resolving_them():
    scope = scanner.Scope.build(cidrs=["10.20.1.0/24"], hosts=["localhost"], techniques=["discovery"])
    lookup = Recorder()
    request = scanner.ScanRequest(targets=("outside.hospital.example",), ports="80")
    with pytest.raises(scanner.ScopeRefused) as refused:
        asyncio.run(scanner.run(request, scope, lookup=lookup))
    assert [r.code for r in refused.value.refusals] == ["target"]
    assert lookup.asked == []


def test_no_dns_question_is_asked_for_a_name_outside_the_authorisation(tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("needs root and util-linux (unshare, mount) to give the child its own resolver")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
    script = f"mount --bind {resolv} /etc/resolv.conf && ip link set lo up && exec {sys.executable} {CHILD}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        done = subprocess.run(
            ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the child in the namespace did not finish")
    if done.returncode != 0 and "unshare" in done.stderr and "Operation not permitted" in done.stderr:
        pytest.skip(f"cannot create a namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    asked = set(result["questions"])
    assert "outside.dengbao-test.example" not in asked
    assert result["outside"] == ["target"] and "未列入授权书" in result["outside_reasons"][0]
    assert "inside.dengbao-test.example" in asked and result["inside"] == []
    assert "rebind.dengbao-test.example" in asked
    assert result["rebind"] == ["target"] and "10.99.0.1" in result["rebind_reasons"][0]
