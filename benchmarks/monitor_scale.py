"""Website monitoring at scale: 5,000 monitors at a 60 s interval, checked by one process.

Starts local HTTP servers in a child process on 127.0.0.1 (several ports; twenty page shapes of
2–40 kB with 10–160 links, each monitor's page its own text and link targets; one in ten with a
per-request nonce so every fetch differs, 1 % slow (3 s), 1 % answering 500, 0.4 % on a closed
port), creates the monitors in a fresh database, and runs the monitoring scheduler the way
``dengbao run`` does: in its own process (``dengbao.monitoring.process``: one asyncio loop and
one writer thread). This process plays the web server and requests the status wall and the API
list through Django's test client every few seconds while the checks run. At the end it prints:

- schedule lag (start of a check minus its due time): p50 / p99 / max, overall and after the first
  two minutes (every page analysed once by then);
- missed checks. Definition: a monitor must never go longer than ``interval + 2 s`` without a
  check starting. For each monitor, the gaps between the loop's start, each check's start and the
  end of the run are measured from the stored results; a gap of length g counts
  ``ceil((g - interval - 2) / interval)`` missed checks when ``g > interval + 2``. Checks that
  started more than 2 s late are counted separately ("late");
- CPU of the checking process (utime + stime from /proc over its whole life, start-up included,
  divided by wall time; also per minute) and its peak RSS (VmHWM);
- p50 / p95 of the status wall and the API list, and the number of SQL queries each makes.

Goals (issue 8): p99 lag < 2 s, no missed checks, < 1 core, < 500 MB, pages < 300 ms p95.

    .venv/bin/python benchmarks/monitor_scale.py [--minutes 5] [--monitors 5000]
    .venv/bin/python benchmarks/monitor_scale.py --in-process   # the loop in this process (old layout)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dengbao_bench .venv/bin/python benchmarks/monitor_scale.py
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

PORTS = 8
SHAPES = 20


def _page(shape: int, site: int = 0) -> bytes:
    """A hospital home page; ``site`` makes every monitor's page its own (title, link targets, text),
    so nothing in the checker can profit from 5,000 monitors sharing twenty pages."""
    items = 10 + shape * 8
    links = "".join(
        f'<li><a href="/news/{site}/{i}">第 {i} 条新闻：{site} 号院区门诊时间调整</a> '
        f"<i>10-{i % 28 + 1}</i></li>"
        for i in range(items)
    )
    script = '<script src="/static/app.js"></script>' if shape % 2 else "<script>var x = 1;</script>"
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>江城市第 {site} 医院 {shape}</title>{script}"
        f"</head><body><h1>江城市第 {site} 医院</h1><nav><a href='/'>首页</a>"
        f"<a href='/guide/{site}'>就医指南</a></nav><ul>{links}</ul>"
        f"<footer>地址：江城市人民路 {site} 号</footer></body></html>"
    ).encode()


def _serve(ports: list[int], ready) -> None:
    pages: dict[str, bytes] = {}

    def page_for(path: str) -> bytes:
        # /p<shape>/<site> (or /d<shape>/<site>): made on first request, then served from memory
        key = "/p" + path[2:]
        if key not in pages:
            try:
                shape, site = (int(x) for x in path[2:].split("/", 1))
            except ValueError:
                return b""
            pages[key] = _page(shape % SHAPES, site)
        return pages[key]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            status, body = 200, b""
            if path.startswith("/p"):
                body = page_for(path)
            elif path.startswith("/d"):  # a page with a per-request nonce: every fetch differs
                body = page_for(path).replace(b"</body>", f"<!-- {time.time_ns()} --></body>".encode())
            elif path.startswith("/slow"):
                await asyncio.sleep(3)
                body = page_for("/p3" + path[5:])
            elif path == "/fail":
                status, body = 500, b"<h1>Internal Server Error</h1>"
            if not body and status == 200:
                status, body = 404, b"not found"
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", p, backlog=1024) for p in ports]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def _free_ports(n: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _setup_django() -> None:
    os.environ.setdefault("DENGBAO_VAR_DIR", tempfile.mkdtemp(prefix="dengbao-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dengbao.settings")
    os.environ["DENGBAO_SCHEDULER"] = "0"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def _create(count: int, ports: list[int], closed_port: int):
    from dengbao.accounts import services as accounts
    from dengbao.accounts.models import Project
    from dengbao.accounts.roles import OrganisationKind, ProjectRole
    from dengbao.monitoring.models import AllowedHost, Monitor, MonitorStatus
    from dengbao.monitoring.services import rules_ensure_defaults

    slug = f"bench-{int(time.time())}"
    provider = accounts.organisation_create(actor=None, name=f"机构 {slug}", kind=OrganisationKind.PROVIDER)
    client = accounts.organisation_create(actor=None, name=f"医院 {slug}", kind=OrganisationKind.CLIENT)
    project = accounts.project_create(actor=None, slug=slug, name=slug, client=client, provider=provider)
    user = accounts.user_create(
        actor=None, username=f"pm-{slug}", password="Bench-Pass-2026!", organisation=provider
    )
    accounts.membership_set(actor=None, project=project, user=user, role=ProjectRole.MANAGER)
    AllowedHost.objects.create(project=project, host="127.0.0.1")
    monitors = []
    for i in range(count):
        if i % 100 == 0:
            path = f"/slow/{i}"
        elif i % 100 == 1:
            path = "/fail"
        elif i % 10 == 5:
            path = f"/d{i % SHAPES}/{i}"
        else:
            path = f"/p{i % SHAPES}/{i}"
        port = closed_port if i % 250 == 2 else ports[i % len(ports)]
        monitors.append(
            Monitor(
                project=project,
                name=f"站点 {i:05d}",
                url=f"http://127.0.0.1:{port}{path}",
                zone="intranet",
                interval_seconds=60,
                timeout_seconds=10,
                heightened_on_holidays=False,
            )
        )
    Monitor.objects.bulk_create(monitors, batch_size=1000)
    MonitorStatus.objects.bulk_create([MonitorStatus(monitor=m) for m in monitors], batch_size=1000)
    rules_ensure_defaults(actor=user, project=Project.objects.get(pk=project.pk))
    return project, user


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


PAGES = {
    "status wall": "/projects/{slug}/monitoring/",
    "status wall p.2": "/projects/{slug}/monitoring/?page=2",
    "API list (limit 100)": "/api/projects/{slug}/monitors?limit=100",
    "API list (limit 1000)": "/api/projects/{slug}/monitors?limit=1000",
}


def _page_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _time_round(client, project, times: dict[str, list[float]]) -> None:
    for label, url in PAGES.items():
        started = time.perf_counter()
        response = client.get(url.format(slug=project.slug), HTTP_HOST="127.0.0.1")
        times.setdefault(label, []).append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)


def _query_counts(client, project) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for label, url in PAGES.items():
        with CaptureQueriesContext(connection) as ctx:
            client.get(url.format(slug=project.slug), HTTP_HOST="127.0.0.1")
        out[label] = len(ctx.captured_queries)
    return out


def _proc_cpu(pid: int) -> float:
    """utime + stime of a process, seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _missed(starts: dict[int, list[float]], monitors: list[int], begin: float, end: float, interval: float):
    """Missed checks by the definition in the module docstring; also the longest gap seen."""
    missed, worst = 0, 0.0
    bound = interval + 2.0
    for monitor_id in monitors:
        points = [begin, *sorted(starts.get(monitor_id, ())), end]
        for a, b in itertools.pairwise(points):
            gap = b - a
            worst = max(worst, gap)
            if gap > bound:
                missed += math.ceil((gap - bound) / interval)
    return missed, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--monitors", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=300)
    parser.add_argument(
        "--page-every", type=float, default=5.0, help="seconds between rounds of page requests"
    )
    parser.add_argument("--in-process", action="store_true", help="run the loop in a thread of this process")
    args = parser.parse_args()

    ports = _free_ports(PORTS + 1)
    closed_port = ports.pop()
    ready = multiprocessing.get_context("fork").Event()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(ports, ready), daemon=True)
    server.start()
    ready.wait(10)

    _setup_django()
    from django.conf import settings

    from dengbao.monitoring.models import CheckResult
    from dengbao.monitoring.process import MonitorProcess
    from dengbao.monitoring.runner import MonitorLoop

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", flush=True)
    t = time.perf_counter()
    project, user = _create(args.monitors, ports, closed_port)
    print(f"created {args.monitors} monitors in {time.perf_counter() - t:.1f} s", flush=True)
    client = _page_client(user)
    _time_round(client, project, {})  # warm the templates and URL resolvers

    duration = args.minutes * 60
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.monotonic()
    started_at = time.time()
    child = loop = None
    if args.in_process:
        loop = MonitorLoop(concurrency=args.concurrency)
        loop.start()
    else:
        os.environ["DENGBAO_MONITOR_CONCURRENCY"] = str(args.concurrency)
        child = MonitorProcess()
        child.start()
    page_times: dict[str, list[float]] = {}
    cpu_marks: list[tuple[float, float]] = [(0.0, 0.0)]
    next_page, next_report = 20.0, 60.0
    while (elapsed := time.monotonic() - wall0) < duration:
        if elapsed >= next_page:
            _time_round(client, project, page_times)
            next_page += args.page_every
        if elapsed >= next_report:
            done = CheckResult.objects.filter(monitor__project=project).count()
            cpu = _proc_cpu(child.pid) if child else 0.0
            cpu_marks.append((elapsed, cpu))
            note = (
                f", checking process {cpu - cpu_marks[-2][1]:.1f} s CPU in the last minute" if child else ""
            )
            print(f"  {elapsed / 60:.0f} min: {done} checks stored{note}", flush=True)
            next_report += 60
        time.sleep(0.2)
    wall = time.monotonic() - wall0
    ended_at = time.time()
    queries = _query_counts(client, project)
    if child is not None:
        cpu = _proc_cpu(child.pid)
        rss = _proc_peak_rss_mb(child.pid)
        child.stop()
        who = f"checking process (pid {child.pid}, the child)"
    else:
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        loop.stop()
        loop.join(60)
        cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        who = "this process (loop in a thread, pages too)"
    server.terminate()

    rows = list(
        CheckResult.objects.filter(monitor__project=project, checked_at__gte=_aware(started_at)).values_list(
            "monitor_id", "checked_at", "lag_ms"
        )
    )
    starts: dict[int, list[float]] = {}
    lags, dues = [], []
    for monitor_id, checked_at, lag_ms in rows:
        start = checked_at.timestamp()
        starts.setdefault(monitor_id, []).append(start)
        if lag_ms is not None:
            lags.append(lag_ms)
            dues.append(start - lag_ms / 1000)
    begin = min(dues) if dues else started_at  # first due time = when the loop loaded its plans
    monitor_ids = list(project.monitors.values_list("pk", flat=True))
    missed, worst_gap = _missed(starts, monitor_ids, begin, ended_at, 60.0)
    late = sum(1 for lag in lags if lag > 2000)

    print()
    mode = "in-process thread" if args.in_process else "child process"
    print(
        f"monitors {args.monitors}, interval 60 s, ran {wall / 60:.2f} min, "
        f"concurrency {args.concurrency}, {mode}"
    )
    print(f"checks stored {len(rows)} (ideal ≈ {args.monitors * (ended_at - begin) / 60:.0f})")
    print(
        f"schedule lag: p50 {_pct(lags, 0.5):.0f} ms, p99 {_pct(lags, 0.99):.0f} ms, "
        f"max {max(lags or [0]):.0f} ms"
    )
    steady = [lag for lag, due in zip(lags, dues, strict=True) if due >= begin + 120]
    print(
        f"  after the first two minutes: p50 {_pct(steady, 0.5):.0f} ms, "
        f"p99 {_pct(steady, 0.99):.0f} ms, max {max(steady or [0]):.0f} ms ({len(steady)} checks)"
    )
    print(
        f"missed checks (gap > interval + 2 s without a check starting): {missed}; "
        f"longest gap {worst_gap:.1f} s"
    )
    print(f"late checks (started > 2 s after due): {late} of {len(lags)}")
    print(f"CPU of the {who}: {cpu:.1f} s over {wall:.1f} s = {cpu / wall:.2f} cores on average")
    if len(cpu_marks) > 2:
        per_minute = [f"{(b[1] - a[1]) / (b[0] - a[0]):.2f}" for a, b in itertools.pairwise(cpu_marks)]
        print(f"  per minute: {', '.join(per_minute)} cores")
    print(f"peak RSS of the {who}: {rss:.0f} MB")
    for label, values in page_times.items():
        print(
            f"{label}: p50 {statistics.median(values):.0f} ms, p95 {_pct(values, 0.95):.0f} ms "
            f"({len(values)} requests while checks ran), {queries[label]} SQL queries"
        )


def _aware(epoch: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch - 5, dt.UTC)


if __name__ == "__main__":
    main()
