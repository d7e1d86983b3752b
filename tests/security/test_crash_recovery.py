"""Finding 8: work left running by a killed process stayed "running" forever.

A job records the process that owns it; at start, ``recovery.recover_interrupted`` fails the
jobs whose owner has gone, with the reason, audited; a manager retries them from the page.
The owners here are real processes, killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from dengbao import recovery
from dengbao.accounts.roles import ProjectRole
from dengbao.audit.models import AuditEvent
from dengbao.reports.models import DocumentJob
from dengbao.scanning.models import Scan
from tests.scanning import factories as scanning

CHILD = (
    "import json, time\n"
    "from dengbao.core.process_owner import this_process\n"
    "print(json.dumps(this_process().to_dict()), flush=True)\n"
    "time.sleep(600)\n"
)


def _owner_process() -> tuple[subprocess.Popen, dict]:
    """A real process that reports its own identity as a job's owner would record it."""
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    return child, json.loads(child.stdout.readline())


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()


def _running_job(world, owner: dict) -> DocumentJob:
    return DocumentJob.objects.create(
        project=world.project, kind="bundle", status=DocumentJob.Status.RUNNING, done=2, total=19,
        step="2/19", owner=owner, created_by=world.members[ProjectRole.MANAGER],
    )  # fmt: skip


def _running_scan(world, owner: dict) -> Scan:
    return Scan.objects.create(
        project=world.project, authorisation=scanning.authorisation(world), targets="127.0.0.1",
        ports="1-1000", status=Scan.Status.RUNNING, owner=owner,
        created_by=world.members[ProjectRole.ASSESSOR],
    )  # fmt: skip


def test_a_job_and_a_scan_whose_process_was_killed_fail_with_the_reason(world_a):
    child, owner = _owner_process()
    job, scan = _running_job(world_a, owner), _running_scan(world_a, owner)
    _kill(child)

    assert recovery.recover_interrupted() == 2

    job.refresh_from_db()
    scan.refresh_from_db()
    for item in (job, scan):
        assert (item.status, item.error, item.interrupted) == ("failed", "因服务重启而中断", True)
        assert item.finished_at is not None
    events = {e.action: e for e in AuditEvent.objects.filter(action__endswith="interrupted")}
    assert set(events) == {"document.job_interrupted", "scan.interrupted"}
    assert events["document.job_interrupted"].details["owner"]["pid"] == owner["pid"]
    assert recovery.recover_interrupted() == 0  # once only


def test_work_of_a_live_process_or_another_host_is_untouched(world_a):
    child, owner = _owner_process()
    try:
        live_job, live_scan = _running_job(world_a, owner), _running_scan(world_a, owner)
        elsewhere = _running_job(world_a, {**owner, "host": "another-host", "pid": 1})
        queued = DocumentJob.objects.create(project=world_a.project, kind="bundle")  # owner unknown

        assert recovery.recover_interrupted() == 0

        for item in (live_job, live_scan, elsewhere):
            item.refresh_from_db()
            assert (item.status, item.interrupted) == ("running", False)
        queued.refresh_from_db()
        assert queued.status == "queued"
    finally:
        _kill(child)


def test_a_queued_job_of_a_rebooted_machine_fails(world_a):
    """The same host after a reboot: another boot ID, whatever process now has that PID."""
    owner = {**recovery.owner_fields()["owner"], "boot_id": "00000000-0000-0000-0000-000000000000"}
    job = DocumentJob.objects.create(project=world_a.project, kind="bundle", owner=owner)
    assert recovery.recover_interrupted() == 1
    job.refresh_from_db()
    assert (job.status, job.interrupted) == ("failed", True)


def test_a_manager_retries_an_interrupted_job_from_the_page(world_a, login):
    child, owner = _owner_process()
    job = DocumentJob.objects.create(
        project=world_a.project, kind="monitoring_report", params={"year": 2026, "month": 11},
        status=DocumentJob.Status.RUNNING, owner=owner, created_by=world_a.members[ProjectRole.ASSESSOR],
    )  # fmt: skip
    _kill(child)
    recovery.recover_interrupted()
    page_url = reverse("reports:job", kwargs={"project": world_a.project.slug, "job_id": job.pk})
    retry_url = reverse("reports:job_retry", kwargs={"project": world_a.project.slug, "job_id": job.pk})

    assessor = login(world_a.members[ProjectRole.ASSESSOR])
    page = assessor.get(page_url).content.decode()
    assert "因服务重启而中断" in page and retry_url not in page
    assert assessor.post(retry_url).status_code == 403
    assert DocumentJob.objects.count() == 1

    manager = login(world_a.members[ProjectRole.MANAGER])
    assert retry_url in manager.get(page_url).content.decode()
    response = manager.post(retry_url)
    fresh = DocumentJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{fresh.pk}/")
    assert (fresh.kind, fresh.params) == ("monitoring_report", {"year": 2026, "month": 11})
    assert fresh.status in ("done", "failed") and not fresh.interrupted  # it ran (inline in tests)
    retry = AuditEvent.objects.get(action="document.job_retry")
    assert retry.details["retry_of"] == job.pk and retry.actor_id == world_a.members[ProjectRole.MANAGER].pk


def test_a_manager_retries_an_interrupted_scan(world_a, login):
    child, owner = _owner_process()
    scan = _running_scan(world_a, owner)
    _kill(child)
    recovery.recover_interrupted()
    url = reverse("scanning:scan_retry", kwargs={"project": world_a.project.slug, "scan_id": scan.pk})

    assert login(world_a.members[ProjectRole.ASSESSOR]).post(url).status_code == 403
    response = login(world_a.members[ProjectRole.MANAGER]).post(url)
    fresh = Scan.objects.exclude(pk=scan.pk).get()
    assert response.status_code == 302
    assert (fresh.targets, fresh.ports) == ("127.0.0.1", "1-1000")
    assert fresh.authorisation_id == scan.authorisation_id
    assert fresh.status not in ("queued", "running")  # ran inline to its end
    assert AuditEvent.objects.filter(action="scan.retry", object_id=str(fresh.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_a_scan_running_in_a_dengbao_process_killed_by_sigkill_is_failed_at_recovery(world_a, tmp_path):
    """The real path: a `dengbao` process takes a slow scan, is SIGKILLed mid-scan, recovery fails it."""
    if connection.vendor != "postgresql":
        pytest.skip("a second process shares the database: PostgreSQL only (CI's second stage)")
    scan = Scan.objects.create(
        project=world_a.project, authorisation=scanning.authorisation(world_a), targets="127.0.0.1",
        ports="1-400", rate_limit=1, engine="builtin", created_by=world_a.members[ProjectRole.ASSESSOR],
    )  # fmt: skip
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DENGBAO_VAR_DIR": str(tmp_path / "var"),
        "DENGBAO_AUDIT_KEY_FILE": str(settings.DENGBAO_AUDIT_KEY_FILE),  # the same audit chain
        "DENGBAO_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "dengbao.settings",
    }
    code = f"from dengbao.scanning.scan_services import scan_execute; scan_execute({scan.pk})"
    dengbao = Path(sys.executable).parent / "dengbao"
    child = subprocess.Popen([str(dengbao), "shell", "-c", code], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            scan.refresh_from_db()
            if scan.status == "running" and scan.owner.get("pid") == child.pid:
                break
            time.sleep(0.2)
        assert scan.status == "running" and scan.owner["pid"] == child.pid
        assert recovery.recover_interrupted() == 0  # alive: untouched
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert recovery.recover_interrupted() == 1
    scan.refresh_from_db()
    assert (scan.status, scan.error, scan.interrupted) == ("failed", "因服务重启而中断", True)
