"""Importing a .nessus with 50,000 findings over 2,000 hosts into the database (issue 7's goal:
under 60 s and under 300 MB peak memory on SQLite; the PostgreSQL figure is stated too).

The file comes from ``import_nessus_parse.write_nessus`` (fixed seed). It is imported through
``dengbao.scanning.import_services.import_scan`` — the same service the web page and the CLI
use, one transaction — into a throw-away database: a SQLite file in a temp dir, or with
``--database postgres`` a scratch database on the local PostgreSQL that is dropped afterwards.
Then a modified file is re-imported: on every tenth host one item is gone (closed) and on
every seventh host the volatile plugin output changed (updated), plus 100 new hosts (created).

    .venv/bin/python benchmarks/import_nessus.py [--database sqlite|postgres] [--hosts 2000] [--per-host 25]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_nessus_parse import write_nessus

PG_DB = os.environ.get("DENGBAO_BENCH_PG_DB", "dengbao_bench_import")  # a scratch database, dropped after
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
GOAL_S, GOAL_MB = 60.0, 300.0


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def setup(database: str, var_dir: Path) -> None:
    os.environ.update(
        DENGBAO_VAR_DIR=str(var_dir),
        DENGBAO_CACHE_DIR=str(var_dir / "cache"),
        DENGBAO_TESTING="1",
        DENGBAO_SCHEDULER="0",
        DENGBAO_LOG_LEVEL="WARNING",
        DENGBAO_MAX_UPLOAD_MB="1024",  # the generated file is ~130 MB; the default web limit is 50 MB
        DJANGO_SETTINGS_MODULE="dengbao.settings",
    )
    if database == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_DB}")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def teardown(database: str) -> None:
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()
    if database == "postgres":
        try:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        except Exception as exc:
            print(f"could not drop {PG_DB}: {exc}", file=sys.stderr)


def modify(src: Path, dst: Path, *, extra_hosts: int, per_host: int) -> None:
    """The later scan: one item fewer on every tenth host, new output on every seventh, new hosts."""
    host = -1
    skipping = dropped_here = False
    with open(src, encoding="utf-8") as inp, open(dst, "w", encoding="utf-8") as out:
        for line in inp:
            if line.startswith("<ReportHost "):
                host += 1
                dropped_here = False
            if line.startswith("<ReportItem ") and host % 10 == 0 and not dropped_here:
                skipping = dropped_here = True
            if skipping:
                if line.startswith("</ReportItem>") or line.rstrip().endswith("</ReportItem>"):
                    skipping = False
                continue
            if host % 7 == 0 and "(volatile)" in line:
                line = line.replace("(volatile)", "(volatile, rescanned)")
            if line.startswith("</Report>"):
                break
            out.write(line)
        # new hosts: a small report appended with addresses outside the first scan's range
        extra = Path(str(dst) + ".extra")
        with open(extra, "w", encoding="utf-8") as tmp:
            write_nessus(tmp, hosts=extra_hosts, per_host=per_host, seed=7)
        text = extra.read_text(encoding="utf-8")
        body = text[text.index("<ReportHost ") : text.index("</Report>")]
        out.write(
            body.replace('<ReportHost name="10.', '<ReportHost name="172.').replace(
                '<tag name="host-ip">10.', '<tag name="host-ip">172.'
            )
        )
        out.write("</Report>\n</NessusClientData_v2>\n")
        extra.unlink()


def maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--per-host", type=int, default=25)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    var_dir = Path(tempfile.mkdtemp(prefix="dengbao-bench-import-"))
    try:
        setup(args.database, var_dir)
        from dengbao.accounts import services as accounts
        from dengbao.accounts.roles import OrganisationKind, ProjectRole
        from dengbao.scanning.finding_models import Finding
        from dengbao.scanning.import_services import import_scan

        provider = accounts.organisation_create(actor=None, name="基准机构", kind=OrganisationKind.PROVIDER)
        client = accounts.organisation_create(actor=None, name="基准医院", kind=OrganisationKind.CLIENT)
        project = accounts.project_create(
            actor=None, slug="bench", name="基准", client=client, provider=provider
        )
        user = accounts.user_create(
            actor=None, username="bench", password="Bench-Pass-2026!", organisation=provider
        )
        accounts.membership_set(actor=None, project=project, user=user, role=ProjectRole.ASSESSOR)

        first, second = var_dir / "q1.nessus", var_dir / "q2.nessus"
        with open(first, "w", encoding="utf-8") as out:
            written = write_nessus(out, hosts=args.hosts, per_host=args.per_host)
        modify(first, second, extra_hosts=max(args.hosts // 20, 1), per_host=args.per_host)
        before = maxrss_mb()

        started = time.perf_counter()
        imp = import_scan(actor=user, project=project, fmt="nessus", path=first)
        seconds = time.perf_counter() - started
        peak = maxrss_mb()
        stored = Finding.objects.filter(project=project).count()

        started = time.perf_counter()
        again = import_scan(actor=user, project=project, fmt="nessus", path=second)
        seconds2 = time.perf_counter() - started
        from django.db import connection

        figures = {
            "database": connection.vendor,
            "file_mb": round(first.stat().st_size / 2**20, 1),
            "hosts": args.hosts,
            "findings_in_file": written,
            "first_import_s": round(seconds, 2),
            "first_counts": imp.counts(),
            "stored": stored,
            "ru_maxrss_before_import_mb": before,
            "ru_maxrss_after_first_import_mb": peak,
            "reimport_file_mb": round(second.stat().st_size / 2**20, 1),
            "reimport_s": round(seconds2, 2),
            "reimport_counts": again.counts(),
            "ru_maxrss_end_mb": maxrss_mb(),
        }
        print(json.dumps(figures, ensure_ascii=False))
        ok = seconds < GOAL_S and maxrss_mb() < GOAL_MB
        print(
            f"import {written} findings: {seconds:.1f} s (goal < {GOAL_S:.0f} s), peak {maxrss_mb()} MB "
            f"(goal < {GOAL_MB:.0f} MB) on {connection.vendor}: {'met' if ok else 'NOT met'}; "
            f"re-import {seconds2:.1f} s {again.counts()}"
        )
    finally:
        try:
            teardown(args.database)
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
