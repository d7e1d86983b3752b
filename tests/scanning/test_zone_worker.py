"""A scan addressed to a network zone runs on that zone's worker process (Celery on a real Redis).

The worker is a separate `dengbao worker --zone intranet` process sharing the test database,
so this needs a database two processes can open: PostgreSQL (CI's second stage). The
in-memory SQLite test database lives in this process only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from dengbao import tasks
from dengbao.accounts.roles import ProjectRole

from . import factories

BROKER = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_scan_in_the_intranet_zone_runs_on_that_zones_worker(world_a, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the database: PostgreSQL only (CI runs it in stage 4)")
    if not _redis_up():
        pytest.fail("Redis must answer on 127.0.0.1:6379 (CI starts it)")
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    settings.DENGBAO_CELERY_BROKER = BROKER
    settings.DENGBAO_TASKS_INLINE = False
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DENGBAO_CELERY_BROKER": BROKER,
        "DENGBAO_VAR_DIR": str(tmp_path / "worker-var"),
        # the worker writes to the same audit chain: it needs the same key, as a deployed one does
        "DENGBAO_AUDIT_KEY_FILE": str(settings.DENGBAO_AUDIT_KEY_FILE),
        "DENGBAO_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "dengbao.settings",
    }
    log = tmp_path / "worker.log"
    dengbao = Path(sys.executable).parent / "dengbao"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [str(dengbao), "worker", "--zone", "intranet", "--concurrency", "1", "--no-monitor"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        from dengbao.scanning import scan_services
        from dengbao.scanning.models import Scan

        factories.authorisation(world_a)
        scan = scan_services.scan_create(
            actor=world_a.members[ProjectRole.ASSESSOR],
            project=world_a.project,
            targets="127.0.0.1",
            ports=str(port),
            profile="quick",
            engine="builtin",
            zone="intranet",
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            scan.refresh_from_db()
            if scan.status not in (Scan.Status.QUEUED, Scan.Status.RUNNING):
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.5)
        assert scan.status == Scan.Status.DONE, (scan.status, scan.error, log.read_text()[-2000:])
        assert scan.zone == "intranet"
        ports = set(world_a.project.assets.get(host="127.0.0.1").services.values_list("port", flat=True))
        assert port in ports
        assert tasks._pool is None  # nothing ran in this process's pool: the worker did it
        assert "dengbao.run" in log.read_text() and "succeeded" in log.read_text()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        listener.close()


def test_zone_work_must_be_a_module_level_function(settings):
    settings.DENGBAO_CELERY_BROKER = BROKER
    with pytest.raises(ValueError, match="module-level function"):
        tasks.dispatch(lambda: None, zone="intranet")
