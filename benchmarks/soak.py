"""Soak: simulated users against the real server on loopback for a while (default 10 minutes).

Prepares a fresh state folder and database (SQLite file, or the PostgreSQL database ``--pg-url``,
dropped and created again), runs ``dengbao migrate`` and ``dengbao demo``, signs an assessment
report (签发) and adds website monitors on a loopback page served by this script, then starts
``dengbao run`` on a free loopback port: uvicorn, the scheduler and the monitor child process,
exactly as deployed on one machine. Then, in threads, each with its own session:

- assessors (the demo's ``assessor`` / ``assessor2``) sign in, open a checklist page of an
  assessment with an open round and save results row by row, as the workbench's autosave does
  (a real form POST with the CSRF token of the page and the row's version);
- managers (``pm``) open the project dashboard, an assessment, its live score, the status wall
  of the monitors and the engagement dashboard;
- clients (``hospital``) open the documents list and download the signed report.

At the end it prints p50 / p95 / max per page, the number of errors (any 5xx, connection error
or timeout; 4xx other than an expected save conflict are counted apart as failures), the number
of "database is locked" lines in the server's log, the monitor checks recorded meanwhile, and the
RSS of the server process (and of its monitor child) sampled every 10 s, with the growth after
the warm-up (a quarter of the run, at most 2 minutes) in %. Exit code 1 when there were errors or
locked lines.

    .venv/bin/python benchmarks/soak.py                      # 10 minutes on SQLite
    .venv/bin/python benchmarks/soak.py --minutes 2 --database postgres \\
        --pg-url postgres://postgres@127.0.0.1:5432/dengbao_soak
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Soak-Pass-2026!x"
MONITORS = 12
RESULTS = ("符合", "部分符合", "不符合")


# --- the state: fresh database, demo, a signed report, loopback monitors ---------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _dengbao(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "dengbao"), *args], env=env, check=True, cwd=ROOT)


def _prepare(site_port: int) -> None:
    """Runs in a child with the soak's environment: the signed report and the monitors; prints ids."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dengbao.settings")
    django.setup()
    from dengbao.accounts.models import Project, User
    from dengbao.monitoring.models import AllowedHost, Monitor, MonitorStatus, PrivateHost
    from dengbao.reports import services as reports
    from dengbao.reports.assessment_documents import make_assessment_report

    project = Project.objects.get(slug="demo")
    pm, reviewer = User.objects.get(username="pm"), User.objects.get(username="reviewer")
    open_assessments = []
    signed = None
    for assessment in project.assessments.order_by("pk"):
        rnd = assessment.rounds.order_by("-number").first()
        if rnd.finalised_at is None:
            objects = list(assessment.test_objects.order_by("pk").values_list("pk", flat=True))
            open_assessments.append({"id": assessment.pk, "objects": objects})
        elif signed is None:
            made = make_assessment_report(
                actor=pm, project=project, system=assessment.systems.order_by("pk").first()
            )
            signed = reports.document_lock(actor=reviewer, document=made.document).pk
    AllowedHost.objects.get_or_create(project=project, host="127.0.0.1")
    secadmin = User.objects.get(username="secadmin")
    PrivateHost.objects.get_or_create(
        project=project, zone="intranet", host="127.0.0.1", approved_by=secadmin
    )
    for i in range(MONITORS):
        monitor = Monitor.objects.create(
            project=project,
            name=f"院区站点 {i:02d}",
            url=f"http://127.0.0.1:{site_port}/site/{i}",
            zone="intranet",
            interval_seconds=60,
            timeout_seconds=10,
            keywords_present=["江城市第一医院"],
            heightened_on_holidays=False,
        )
        MonitorStatus.objects.create(monitor=monitor)
    print(json.dumps({"assessments": open_assessments, "signed": signed}))


def _count_checks() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dengbao.settings")
    django.setup()
    from dengbao.monitoring.history_models import CheckResult

    print(CheckResult.objects.filter(monitor__name__startswith="院区站点").count())


class _Site(http.server.BaseHTTPRequestHandler):
    """The hospital pages the monitors check."""

    def do_GET(self) -> None:
        links = "".join(f'<li><a href="/news/{i}">第 {i} 条新闻</a></li>' for i in range(30))
        body = "<!doctype html><html><head><meta charset=utf-8><title>江城市第一医院</title></head>"
        body += f"<body><h1>江城市第一医院</h1><p>{self.path}</p><ul>{links}</ul></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


# --- simulated users -------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.failures: list[str] = []
        self.conflicts = 0
        self.saves = 0


class User(threading.Thread):
    def __init__(self, base: str, username: str, stats: Stats, stop: threading.Event, seed: int, plan: dict):
        super().__init__(daemon=True, name=username)
        self.base, self.username, self.stats, self.stop, self.plan = base, username, stats, stop, plan
        self.rnd = random.Random(seed)
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)

    def request(self, page: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            with self.stats.lock:
                self.stats.errors.append(f"{page} {url}: {type(exc).__name__} {exc}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        with self.stats.lock:
            self.stats.latency[page].append(elapsed)
            if response.status_code >= 500:
                self.stats.errors.append(f"{page} {url}: HTTP {response.status_code}")
            elif response.status_code >= 400:
                self.stats.failures.append(f"{page} {url}: HTTP {response.status_code}")
        return response

    def login(self) -> bool:
        page = self.request("login form", "GET", "/accounts/login/")
        token = _csrf(page.text) if page is not None else None
        form = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token or ""}
        done = self.request("login", "POST", "/accounts/login/", data=form)
        return done is not None and done.status_code == 302

    def think(self) -> None:
        self.stop.wait(self.rnd.uniform(0.5, 2.0))

    def run(self) -> None:
        while not self.stop.is_set() and not self.login():
            self.stop.wait(5)
        while not self.stop.is_set():
            self.step()

    def step(self) -> None:
        raise NotImplementedError


class Assessor(User):
    def step(self) -> None:
        assessment = self.rnd.choice(self.plan["assessments"])
        aid, oid = assessment["id"], self.rnd.choice(assessment["objects"])
        page = self.request("checklist", "GET", f"/projects/demo/assessments/{aid}/objects/{oid}/")
        self.think()
        if page is None or page.status_code != 200:
            return
        rows = _rows(page.text)
        for _ in range(5):
            if self.stop.is_set() or not rows:
                return
            url, fields = self.rnd.choice(rows)
            form = {
                **fields,
                "result": self.rnd.choice(RESULTS),
                "note": f"现场核查：{self.username} 于 {time.strftime('%H:%M:%S')} 记录。",
                "methods": ["访谈", "核查"],
                "na_reason": "",
            }
            saved = self.request("result save", "POST", url, data=form, headers={"HX-Request": "true"})
            if saved is not None and saved.status_code == 200:
                with self.stats.lock:
                    self.stats.saves += 1
                    if saved.headers.get("HX-Trigger") == "dengbao-save-failed":
                        self.stats.conflicts += 1
                row = _rows(saved.text)
                if row:
                    rows = [r for r in rows if r[0] != url] + row
            self.think()


class Manager(User):
    def step(self) -> None:
        aid = self.rnd.choice(self.plan["assessments"])["id"]
        pages = [
            ("project dashboard", "/projects/demo/"),
            ("assessment", f"/projects/demo/assessments/{aid}/"),
            ("live score", f"/projects/demo/assessments/{aid}/score/"),
            ("status wall", "/projects/demo/monitoring/"),
            ("engagement dashboard", "/projects/demo/engagement/"),
        ]
        name, url = self.rnd.choice(pages)
        self.request(name, "GET", url)
        self.think()


class Client(User):
    def step(self) -> None:
        self.request("documents", "GET", "/projects/demo/documents/")
        self.think()
        signed = self.plan["signed"]
        download = self.request("signed report download", "GET", f"/projects/demo/documents/{signed}/")
        if download is not None and download.status_code == 200 and not download.content.startswith(b"PK"):
            with self.stats.lock:
                self.stats.failures.append("signed report download: not a docx")
        self.think()


def _csrf(html: str) -> str | None:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else None


_ROW = re.compile(r'<form class="row[^"]*" id="row-\d+".*?hx-post="([^"]+/results/\d+/)"(.*?)</form>', re.S)


def _rows(html: str) -> list[tuple[str, dict[str, str]]]:
    """(save URL, the row's hidden fields) of every row on a checklist page (or a saved row)."""
    rows = []
    for url, inner in _ROW.findall(html):
        token = _csrf(inner)
        version = re.search(r'name="version" value="(\d+)"', inner)
        if token and version:
            rows.append((url, {"csrfmiddlewaretoken": token, "version": version.group(1)}))
    return rows


# --- the run ---------------------------------------------------------------------------------------


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--prepare":
        _prepare(int(sys.argv[2]))
        return 0
    if len(sys.argv) == 2 and sys.argv[1] == "--count-checks":
        _count_checks()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/dengbao_soak")
    parser.add_argument("--assessors", type=int, default=6)
    parser.add_argument("--managers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the state folder and print its path")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="dengbao-soak-"))
    port, site_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DENGBAO_VAR_DIR": str(var),
        "DENGBAO_DEMO_PASSWORD": PASSWORD,
        "DENGBAO_OUTBOUND_ALLOW_ADDRESSES": "127.0.0.0/8",
        "DENGBAO_MONITOR_LOCAL_ZONES": "public,intranet",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)  # background work in the server process, as on one machine
    if args.database == "postgres":
        _fresh_postgres(args.pg_url)
        env["DATABASE_URL"] = args.pg_url
    site = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), _Site)
    threading.Thread(target=site.serve_forever, daemon=True).start()

    began = time.monotonic()
    _dengbao(env, "migrate", "--noinput", "-v", "0")
    _dengbao(env, "demo")
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare", str(site_port)],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    plan = json.loads(prepared.stdout.strip().splitlines()[-1])
    print(f"prepared in {time.monotonic() - began:.0f} s: {args.database}, state in {var}", flush=True)

    log_path = var / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dengbao"), "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        server.terminate()
        print(log_path.read_text()[-3000:], file=sys.stderr)
        return 2

    stats, stop = Stats(), threading.Event()
    users: list[User] = []
    for i in range(args.assessors):
        users.append(Assessor(base, ("assessor", "assessor2")[i % 2], stats, stop, i, plan))
    users += [Manager(base, "pm", stats, stop, 100 + i, plan) for i in range(args.managers)]
    users += [Client(base, "hospital", stats, stop, 200 + i, plan) for i in range(args.clients)]
    duration = args.minutes * 60
    warmup = min(120.0, duration / 4)
    start = time.monotonic()
    for user in users:  # a ramp: one sign-in a second, as a morning would bring them
        user.start()
        time.sleep(1.0)
    samples: list[tuple[float, int, int]] = []
    while (elapsed := time.monotonic() - start) < duration and server.poll() is None:
        monitor_rss = sum(_rss_kb(c) or 0 for c in _children(server.pid))
        samples.append((elapsed, _rss_kb(server.pid) or 0, monitor_rss))
        print(
            f"  {elapsed:5.0f} s  server RSS {samples[-1][1] / 1024:6.1f} MB"
            f"  monitor {monitor_rss / 1024:6.1f} MB"
            f"  requests {sum(len(v) for v in stats.latency.values()):6d}  errors {len(stats.errors)}",
            flush=True,
        )
        time.sleep(min(10.0, max(0.1, duration - elapsed)))
    stop.set()
    for user in users:
        user.join(timeout=70)
    samples.append((time.monotonic() - start, _rss_kb(server.pid) or 0, 0))
    alive = server.poll() is None
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()
    site.shutdown()
    checks = subprocess.run(
        [sys.executable, __file__, "--count-checks"], env=env, capture_output=True, text=True, check=False
    ).stdout.strip()

    text = log_path.read_text(errors="replace")
    locked = text.count("database is locked")
    tracebacks = text.count("Traceback (most recent call last)")
    wall = samples[-1][0]
    total = sum(len(v) for v in stats.latency.values())
    print(
        f"\nsoak on {args.database}: {wall / 60:.1f} min, {len(users)} users "
        f"({args.assessors} assessors, {args.managers} managers, {args.clients} clients), "
        f"{total} requests ({total / wall:.1f}/s)"
    )
    print(f"{'page':<26}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for page, values in sorted(stats.latency.items()):
        print(
            f"{page:<26}{len(values):>7}{statistics.median(values):>9.0f}{_pct(values, 0.95):>9.0f}"
            f"{max(values):>9.0f}"
        )
    print(f"errors (5xx, connection errors, timeouts): {len(stats.errors)}")
    for line in stats.errors[:10]:
        print(f"  {line}")
    print(f"other failures (4xx): {len(stats.failures)}")
    for line in stats.failures[:10]:
        print(f"  {line}")
    print(f"results saved: {stats.saves} (of which refused as conflicts: {stats.conflicts})")
    print(f'"database is locked" in the server log: {locked}; tracebacks: {tracebacks}')
    print(f"monitor checks recorded: {checks}")
    after = [s for s in samples if s[0] >= warmup and s[1]]
    if after:
        # the mean of the first and of the last three samples after the warm-up: one sample taken
        # while a request holds a large buffer (a sign-in's Argon2 hash) does not decide the figure
        first = statistics.mean(s[1] for s in after[:3])
        last = statistics.mean(s[1] for s in after[-3:])
        peak = max(s[1] for s in samples)
        print(
            f"server RSS: {samples[0][1] / 1024:.0f} MB at start, {first / 1024:.0f} MB after warm-up "
            f"({warmup:.0f} s), {last / 1024:.0f} MB at the end, peak {peak / 1024:.0f} MB: "
            f"growth after warm-up {100 * (last - first) / first:+.1f} %"
        )
        monitor = [s[2] for s in after if s[2]]
        if monitor:
            print(
                f"monitor child RSS: {monitor[0] / 1024:.0f} MB after warm-up, "
                f"{monitor[-1] / 1024:.0f} MB at the end "
                f"({100 * (monitor[-1] - monitor[0]) / monitor[0]:+.1f} %)"
            )
    if not alive:
        print("the server process died during the run", file=sys.stderr)
    if args.keep:
        print(f"state kept in {var}")
    else:
        shutil.rmtree(var, ignore_errors=True)
    return 1 if (stats.errors or locked or not alive) else 0


if __name__ == "__main__":
    sys.exit(main())
