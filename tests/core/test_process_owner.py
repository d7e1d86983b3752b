"""The pure decision: is the process that owns a job still there?"""

from __future__ import annotations

import os
import subprocess
import sys

from dengbao.core.process_owner import Liveness, Owner, liveness, process_start, this_process

HERE, BOOT = "host-a", "boot-1"


def _started(table: dict[int, int | None]):
    return lambda pid: table.get(pid)


def test_a_live_owner_on_this_host_and_boot_is_alive():
    owner = Owner(host=HERE, pid=42, boot_id=BOOT, started=1000)
    assert liveness(owner, host=HERE, boot_id=BOOT, process_start=_started({42: 1000})) is Liveness.ALIVE


def test_a_missing_pid_is_dead():
    owner = Owner(host=HERE, pid=42, boot_id=BOOT, started=1000)
    assert liveness(owner, host=HERE, boot_id=BOOT, process_start=_started({})) is Liveness.DEAD


def test_a_recycled_pid_is_dead():
    owner = Owner(host=HERE, pid=42, boot_id=BOOT, started=1000)
    assert liveness(owner, host=HERE, boot_id=BOOT, process_start=_started({42: 5000})) is Liveness.DEAD


def test_another_boot_is_dead_even_when_the_pid_exists():
    owner = Owner(host=HERE, pid=42, boot_id="boot-0", started=1000)
    assert liveness(owner, host=HERE, boot_id=BOOT, process_start=_started({42: 1000})) is Liveness.DEAD


def test_another_host_is_unknown():
    owner = Owner(host="host-b", pid=42, boot_id="boot-0", started=1000)
    assert liveness(owner, host=HERE, boot_id=BOOT, process_start=_started({})) is Liveness.UNKNOWN


def test_a_start_time_that_cannot_be_read_counts_the_pid_as_alive():
    owner = Owner(host=HERE, pid=42, boot_id=BOOT, started=1000)
    assert liveness(owner, host=HERE, boot_id=BOOT, process_start=_started({42: -1})) is Liveness.ALIVE


def test_an_owner_round_trips_and_a_malformed_one_is_none():
    owner = this_process()
    assert Owner.from_dict(owner.to_dict()) == owner
    assert Owner.from_dict({}) is None
    assert Owner.from_dict({"host": "x", "pid": "not a number"}) is None


def test_this_process_and_a_child_read_from_proc():
    me = this_process()
    assert me.pid == os.getpid()
    assert me.started is not None and process_start(me.pid) == me.started
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_start(child.pid) is not None
    finally:
        child.kill()
        child.wait()
    assert process_start(child.pid) is None
