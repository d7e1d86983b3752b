"""Website monitoring at scale: 5,000 monitors at a 60 s interval in one process.

Starts local HTTP servers in a child process on 127.0.0.1 (several ports, twenty page shapes of
2–40 kB with 10–160 links, one in ten with a per-request nonce so every fetch differs, 1 % slow
(3 s), 1 % answering 500, 0.4 % on a closed port), creates the monitors in a fresh database,
runs the monitoring scheduler (``MonitorLoop``: one asyncio loop, one writer thread) for
``--minutes`` and prints:

- schedule lag (start of a check minus its due time): p50 / p99 / max, and missed checks;
- average CPU of this process (resource.getrusage; the servers run in the child) and peak RSS;
- p95 of the status-wall page and of the API list for those monitors, requested through Django's
  test client during the last minute of the run, while checks continue.

Goals (issue 8): p99 lag < 2 s, no missed checks, < 1 core, < 500 MB, pages < 300 ms p95.

    .venv/bin/python benchmarks/monitor_scale.py [--minutes 5] [--monitors 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dengbao_bench .venv/bin/python benchmarks/monitor_scale.py
"""

from __future__ import annotations

import argparse
import asyncio
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


def _page(shape: int) -> bytes:
    items = 10 + shape * 8
    links = "".join(
        f'<li><a href="/news/{shape}/{i}">第 {i} 条新闻：门诊时间调整</a> <i>10-{i % 28 + 1}</i></li>'
        for i in range(items)
    )
    script = '<script src="/static/app.js"></script>' if shape % 2 else "<script>var x = 1;</script>"
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>江城市第一医院 {shape}</title>{script}</head>"
        f"<body><h1>江城市第一医院</h1><nav><a href='/'>首页</a><a href='/guide'>就医指南</a></nav>"
        f"<ul>{links}</ul><footer>地址：江城市人民路 1 号</footer></body></html>"
    ).encode()


def _serve(ports: list[int], ready) -> None:
    pages = {f"/p{i}": _page(i) for i in range(SHAPES)}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            status, body = 200, pages.get(path, b"")
            if path.startswith("/d"):  # a page with a per-request nonce: every fetch differs
                body = pages.get("/p" + path[2:], b"").replace(
                    b"</body>", f"<!-- {time.time_ns()} --></body>".encode()
                )
            if path == "/slow":
                await asyncio.sleep(3)
                body = pages["/p3"]
            elif path == "/fail":
                status, body = 500, b"<h1>Internal Server Error</h1>"
            elif not body:
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
            path = "/slow"
        elif i % 100 == 1:
            path = "/fail"
        elif i % 10 == 5:
            path = f"/d{i % SHAPES}"
        else:
            path = f"/p{i % SHAPES}"
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


def _time_pages(project, user, rounds: int) -> dict[str, list[float]]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    urls = {
        "status wall": f"/projects/{project.slug}/monitoring/",
        "status wall p.2": f"/projects/{project.slug}/monitoring/?page=2",
        "API list (limit 100)": f"/api/projects/{project.slug}/monitors?limit=100",
        "API list (limit 1000)": f"/api/projects/{project.slug}/monitors?limit=1000",
    }
    times: dict[str, list[float]] = {k: [] for k in urls}
    for _ in range(rounds):
        for label, url in urls.items():
            started = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            times[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--monitors", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=300)
    parser.add_argument("--page-rounds", type=int, default=30)
    args = parser.parse_args()

    ports = _free_ports(PORTS + 1)
    closed_port = ports.pop()
    ready = multiprocessing.get_context("fork").Event()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(ports, ready), daemon=True)
    server.start()
    ready.wait(10)

    _setup_django()
    from django.conf import settings
    from django.db.models import Count

    from dengbao.monitoring.models import CheckResult
    from dengbao.monitoring.runner import MonitorLoop

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", flush=True)
    t = time.perf_counter()
    project, user = _create(args.monitors, ports, closed_port)
    print(f"created {args.monitors} monitors in {time.perf_counter() - t:.1f} s", flush=True)

    loop = MonitorLoop(concurrency=args.concurrency, keep_lags=True)
    duration = args.minutes * 60
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.monotonic()
    started_at = time.time()
    loop.start()
    page_times: dict[str, list[float]] = {}
    next_report = 60.0
    while (elapsed := time.monotonic() - wall0) < duration:
        if not page_times and elapsed >= max(duration - 50, duration * 0.5):
            page_times = _time_pages(project, user, args.page_rounds)
            continue
        if elapsed >= next_report:
            s = loop.stats
            print(
                f"  {elapsed / 60:.0f} min: {s.checks} checks, {s.stored} stored, missed {s.missed}",
                flush=True,
            )
            next_report += 60
        time.sleep(1)
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic() - wall0
    loop.stop()
    loop.join(60)
    stats = loop.stats
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    lags = stats.lags_ms
    per_monitor = list(
        CheckResult.objects.filter(monitor__project=project, checked_at__gte=_aware(started_at))
        .values("monitor_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    expected_min = int((wall - 1) // 60)  # every monitor is due at least this many times in the run
    short = sum(1 for n in per_monitor if n < expected_min) + (args.monitors - len(per_monitor))
    server.terminate()

    print()
    print(f"monitors {args.monitors}, interval 60 s, ran {wall / 60:.2f} min, concurrency {args.concurrency}")
    print(f"checks started {stats.checks}, stored {stats.stored}, write errors {stats.write_errors}")
    print(
        f"schedule lag: p50 {_pct(lags, 0.5):.0f} ms, p99 {_pct(lags, 0.99):.0f} ms, "
        f"max {max(lags or [0]):.0f} ms"
    )
    steady = [lag for lag, due in zip(lags, stats.lag_due, strict=True) if due >= started_at + 120]
    print(
        f"  after the first two minutes (every page analysed once): p50 {_pct(steady, 0.5):.0f} ms, "
        f"p99 {_pct(steady, 0.99):.0f} ms, max {max(steady or [0]):.0f} ms ({len(steady)} checks)"
    )
    print(f"missed checks (due while the previous one still ran): {stats.missed}")
    print(f"monitors with fewer than {expected_min} stored checks: {short}")
    print(f"CPU: {cpu:.1f} s over {wall:.1f} s = {cpu / wall:.2f} cores on average (this process)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for label, values in page_times.items():
        print(
            f"{label}: p50 {statistics.median(values):.0f} ms, p95 {_pct(values, 0.95):.0f} ms "
            f"({len(values)} requests, during checks)"
        )


def _aware(epoch: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch - 5, dt.UTC)


if __name__ == "__main__":
    main()
