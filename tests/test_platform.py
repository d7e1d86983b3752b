"""Platform plumbing: the demo, the cache backend, the scheduler, the server command, deploy checks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from click.testing import CliRunner
from django.conf import settings
from django.core.cache import cache

from dengbao import demo, tasks
from dengbao.accounts.models import Membership, Project, User
from dengbao.audit.services import verify
from dengbao.cli import main


def test_demo_loads_the_scenario_once(db, monkeypatch):
    monkeypatch.setenv("DENGBAO_DEMO_PASSWORD", "Demo-Pass-2026!")
    first = demo.load()
    assert "project demo" in first.created
    project = Project.objects.get(slug="demo")
    assert project.client.name == "江城市第一医院"
    assert sorted(project.systems.values_list("code", flat=True)) == ["EMR", "HIS", "IH", "LIS", "OA", "WEB"]
    assert dict(project.systems.values_list("code", "proposed_level"))["OA"] == 2
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {
        "pm": "manager",
        "assessor": "assessor",
        "assessor2": "assessor",
        "reviewer": "reviewer",
        "hospital": "client",
    }
    assert User.objects.get(username="auditor").platform_role == "auditadmin"
    assert User.objects.get(username="pm").check_password("Demo-Pass-2026!")
    assessments = dict(project.assessments.values_list("name", "sa"))
    assert assessments == {
        "HIS/EMR/LIS 等级测评（演示）": "S3A3",
        "互联网医院 等级测评（演示）": "S3A2",
        "OA/门户网站 等级测评（演示）": "S2A2",
    }
    for other in project.assessments.exclude(name__startswith="HIS"):  # a finalised 初测 each
        (only,) = other.rounds.all()
        assert only.finalised_at is not None and not only.results.filter(result="").exists()
    assessment = project.assessments.get(name__startswith="HIS")
    assert assessment.sa == "S3A3" and assessment.test_objects.count() == 41  # 检验科工作站 serves LIS only
    first, retest = assessment.rounds.order_by("number")
    assert first.finalised_at is not None and not first.results.filter(result="").exists()  # fully recorded
    assert retest.label == "第1次复测" and first.problems.filter(risk="高").exists()
    assert first.problems.filter(tasks__status="verified").count() == 3  # verified before the 复测
    second = demo.load()
    assert second.created == [] and second.credentials == {}
    assert verify()[1] is None


def test_cli_demo_json_and_help(db, monkeypatch):
    monkeypatch.setenv("DENGBAO_DEMO_PASSWORD", "Demo-Pass-2026!")
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    assert '"project": "demo"' in result.output
    help_text = runner.invoke(main, ["--help"]).output
    for command in ("run", "demo", "createadmin"):
        assert command in help_text


def test_cache_round_trip_on_the_configured_backend():
    """On CI's PostgreSQL run REDIS_URL is set, and this talks to the real Redis."""
    if os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("dengbao-test-key", {"级别": 3}, timeout=30)
    assert cache.get("dengbao-test-key") == {"级别": 3}
    cache.delete("dengbao-test-key")
    assert cache.get("dengbao-test-key") is None


def test_scheduler_runs_registered_jobs_without_overlap(db):
    calls: list[float] = []
    gate = threading.Event()

    def slow_job() -> None:
        calls.append(time.monotonic())
        gate.wait(2)

    tasks._JOBS.pop("test.slow", None)
    tasks.periodic("test.slow", every_seconds=0.05)(slow_job)
    scheduler = tasks.Scheduler(tick=0.02)
    try:
        tasks._JOBS["test.slow"].next_run = 0
        scheduler.start()
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # many ticks while the job is still running
        assert len(calls) == 1  # never overlaps itself
        gate.set()
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(calls) >= 2  # runs again once the first run finished
    finally:
        gate.set()
        scheduler.stop()
        tasks._JOBS.pop("test.slow", None)
    assert "accounts.clear_expired_sessions" in tasks.registered_jobs()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="uses its own SQLite file"
)
def test_dengbao_run_serves_login_page_and_static(tmp_path):
    """`dengbao run` is a real server (uvicorn) with static files through WhiteNoise."""
    port = _free_port()
    env = {**os.environ, "DENGBAO_VAR_DIR": str(tmp_path), "DENGBAO_SECRET_KEY": "x" * 50}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DENGBAO_TESTING", None)
    exe = [sys.executable, "-m", "dengbao.cli"]
    subprocess.run([*exe, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    proc = subprocess.Popen(
        [*exe, "run", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert 'name="password"' in body
        css_path = re.search(r'href="/static/dengbao/(app[^"]*\.css)"', body).group(1)
        assert "." in css_path and css_path != "app.css"  # hashed name from the manifest storage
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/dengbao/{css_path}", timeout=5) as r:
            assert r.status == 200 and b".topbar" in r.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "/accounts/login/" in r.geturl()  # anonymous visitors are sent to log in
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert "Traceback" not in out, out


def test_deploy_check_passes_apart_from_https_items(tmp_path):
    env = {
        **os.environ,
        "DENGBAO_VAR_DIR": str(tmp_path),
        "DENGBAO_SECRET_KEY": "k" * 20 + "Zq9!" * 10,
        "DEBUG": "0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DENGBAO_TESTING", None)
    exe = [sys.executable, "-m", "dengbao.cli", "check", "--deploy"]
    plain = subprocess.run(exe, env=env, capture_output=True, text=True, timeout=120)
    warned = {
        line.split(")")[0].strip("?: (")
        for line in plain.stderr.splitlines()
        if line.startswith("?: (security.")
    }
    assert warned <= {"security.W004", "security.W008", "security.W012", "security.W016"}, plain.stderr
    https = subprocess.run(
        exe, env={**env, "DENGBAO_HTTPS": "1"}, capture_output=True, text=True, timeout=120
    )
    assert https.returncode == 0, https.stderr
    assert "security.W" not in https.stderr + https.stdout
