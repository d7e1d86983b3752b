"""Scoring a level-3 project of 300 objects from the database, and serving one object's checklist.

Goals (the issue's figure): the core computation under 1 s and the whole score from the
database under 3 s, on SQLite and PostgreSQL; the checklist page of one object
(40–60 items) under 150 ms at p95.

The script sets Django up itself against a throw-away database (SQLite in a temp dir, or
a ``dengbao_bench`` database it creates and drops on the local PostgreSQL), migrates it
and builds an S3A3 assessment of 300 objects of a hospital's usual types with a fixed
seed. At S3A3 the units that apply to those types add up to only about 14,000 results,
so by default (``--sheet full``, as benchmarks/scoring_core.py does) every object holds
the full level-3 general checklist (211 items): applicable items get 符合/部分符合/不符合,
the others 不适用 with a reason — 63,132 results, the issue's "about 60,000".
``--sheet applicable`` keeps only the applicable units, as the workbench creates them.

One 网络设备 object is added through ``services.object_add`` (so it has exactly its 43
applicable units, as in real use); its checklist is the page measured. Results are
written with ``bulk_create``/``bulk_update``, not one service call per result, so no
audit event is recorded for them.

The peer is the naive ORM way to the same 符合率: iterate ``ResultRecord`` instances
(with their object) and average floats per item in Python; both run in this process.

    .venv/bin/python benchmarks/scoring.py [--database sqlite|postgres] [--objects 300]
                                           [--requests 100] [--sheet full|applicable]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

SEED = 20250320
PG_URL = "postgres://postgres@127.0.0.1:5432/dengbao_bench"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "dengbao_bench"
# A level-3 hospital system: object type → share of the objects (scoring_core's mix of 300).
MIX = {
    "服务器/操作系统": 70,
    "数据库管理系统": 20,
    "中间件": 20,
    "业务应用系统": 25,
    "网络设备": 40,
    "安全设备": 30,
    "终端": 40,
    "机房": 2,
    "管理文档": 33,
    "人员": 20,
}
CHECKLIST_KIND = "网络设备"
WEIGHTS = {"符合": 0.7, "部分符合": 0.2, "不符合": 0.1}
NOTES = {  # what an assessor writes; 不适用 rows carry a reason instead
    "符合": "已核查配置，满足要求。",
    "部分符合": "部分满足：策略已配置但未覆盖全部账户。",
    "不符合": "未配置相应策略，访谈管理员确认。",
}
GOAL_CORE_MS, GOAL_TOTAL_MS, GOAL_PAGE_P95_MS = 1000, 3000, 150
WARMUPS = 5


# --- Django against a throw-away database --------------------------------------------


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def django_setup(database: str, var_dir: Path) -> None:
    os.environ["DENGBAO_VAR_DIR"] = str(var_dir)
    os.environ["DENGBAO_CACHE_DIR"] = str(var_dir / "cache")
    os.environ["DENGBAO_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    os.environ["DENGBAO_SCHEDULER"] = "0"
    os.environ["DENGBAO_LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dengbao.settings"
    if database == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")  # left over from an interrupted run
        pg_admin(f"CREATE DATABASE {PG_DB}")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def django_teardown(database: str) -> None:
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()
    if database == "postgres":
        try:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        except Exception as exc:  # never hide the error that brought us here
            print(f"could not drop the benchmark database {PG_DB}: {exc}", file=sys.stderr)


def vendor() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        v = connection.cursor().connection.info.server_version
        return f"PostgreSQL {v // 10000}.{v % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (file in a temp dir, WAL)"


# --- The project ------------------------------------------------------------------------


def scaled_mix(objects: int) -> dict[str, int]:
    """MIX scaled to ``objects`` (largest remainders), with at least one object of CHECKLIST_KIND."""
    total = sum(MIX.values())
    exact = {k: v * objects / total for k, v in MIX.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[
        : objects - sum(counts.values())
    ]:
        counts[k] += 1
    if counts[CHECKLIST_KIND] == 0:
        biggest = max(counts, key=counts.get)
        counts[biggest] -= 1
        counts[CHECKLIST_KIND] = 1
    return counts


def build(*, objects: int, sheet: str) -> dict:
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dengbao.accounts import services as accounts
    from dengbao.accounts.roles import OrganisationKind, ProjectRole
    from dengbao.assessments import services
    from dengbao.assessments.models import AssessmentObject, ResultRecord
    from dengbao.core.catalogue import default, query
    from dengbao.systems import services as systems

    rnd_gen = random.Random(SEED)
    password = "Bench-Pass-2026!"
    provider = accounts.organisation_create(actor=None, name="测评机构", kind=OrganisationKind.PROVIDER)
    hospital = accounts.organisation_create(actor=None, name="某市人民医院", kind=OrganisationKind.CLIENT)
    project = accounts.project_create(
        actor=None, slug="bench", name="基准测试项目", client=hospital, provider=provider
    )
    users = {}
    for role in (ProjectRole.MANAGER, ProjectRole.ASSESSOR):
        user = accounts.user_create(
            actor=None, username=f"bench-{role.value}", password=password, organisation=provider
        )
        accounts.membership_set(actor=None, project=project, user=user, role=role)
        users[role] = user
    assessor, manager = users[ProjectRole.ASSESSOR], users[ProjectRole.MANAGER]
    harm = [{"object": "社会秩序、公共利益", "degree": "严重"}]
    his = systems.system_create(actor=None, organisation=hospital, project=project, name="HIS", code="HIS")
    systems.grading_save_draft(
        actor=assessor, project=project, system=his, business_harms=harm, service_harms=harm
    )
    assessment = services.assessment_create(
        actor=manager, project=project, name="HIS 等级测评", systems=[his]
    )
    rnd = services.current_round(assessment)

    cat = default()
    sheet_items = list(query.for_grade(cat, assessment.sa, extensions=assessment.extensions))
    values, weights = list(WEIGHTS), list(WEIGHTS.values())
    now = timezone.now()

    def pick() -> str:
        return rnd_gen.choices(values, weights=weights)[0]

    # The measured object is added through the real service, so it has exactly its applicable units;
    # its results are written in bulk like the rest of the sheet.
    target = services.object_add(
        actor=assessor, assessment=assessment, kind=CHECKLIST_KIND, name="核心交换机-01"
    )
    filled = list(target.results.order_by("pk"))
    for record in filled:
        record.result = pick()
        record.note, record.methods = NOTES[record.result], ["核查"]
        record.recorded_by, record.recorded_at, record.version = assessor, now, 1
    ResultRecord.objects.bulk_update(
        filled, ["result", "note", "methods", "recorded_by", "recorded_at", "version"]
    )

    counts = scaled_mix(objects)
    counts[CHECKLIST_KIND] -= 1
    with transaction.atomic():
        objs = AssessmentObject.objects.bulk_create(
            AssessmentObject(
                assessment=assessment,
                kind=kind,
                name=f"{kind}-{n:03d}",
                location=f"10.0.{n // 250}.{n % 250}",
            )
            for kind, count in counts.items()
            for n in range(1, count + 1)
        )
        if not all(o.pk for o in objs):  # backends without RETURNING ids: read them back
            objs = list(assessment.test_objects.exclude(pk=target.pk))

        def records():
            for obj in objs:
                for item in sheet_items:
                    if obj.kind in item.objects:
                        value, reason = pick(), ""
                    elif sheet == "full":
                        value, reason = "不适用", "该对象类型不涉及此测评项"
                    else:
                        continue
                    yield ResultRecord(
                        round=rnd,
                        obj=obj,
                        unit_id=item.id,
                        result=value,
                        note=NOTES.get(value, ""),
                        methods=["访谈", "核查"] if value != "不适用" else [],
                        na_reason=reason,
                        recorded_by=assessor,
                        recorded_at=now,
                        version=1,
                    )

        ResultRecord.objects.bulk_create(records(), batch_size=2000)
    device = TOTPDevice.objects.create(user=assessor, name="bench", confirmed=True)

    # The longest checklist an object has here (the full sheet, or 管理文档's 136 units), for reference.
    def units(obj) -> int:
        return len(sheet_items) if sheet == "full" else sum(obj.kind in i.objects for i in sheet_items)

    longest = max(objs, key=units, default=None)
    return {
        "project": project,
        "assessment": assessment,
        "round": rnd,
        "assessor": assessor,
        "device": device,
        "target": target,
        "longest": longest,
        "sheet_items": len(sheet_items),
        "applicable": target.results.count()
        + sum(obj.kind in item.objects for obj in objs for item in sheet_items),
    }


# --- Measurements -----------------------------------------------------------------------


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time in ms of ``runs`` calls, and the last value."""
    times, value = [], None
    for _ in range(runs):
        t = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), value


def percentile(samples: list[float], p: float) -> float:
    """Nearest rank: the value at or below which p % of the samples fall."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def count_queries(fn: Callable[[], object]) -> int:
    """SQL statements ``fn`` runs (CaptureQueriesContext would lose them: each request resets the log)."""
    from django.db import connection

    seen = []

    def counter(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return len(seen)


def read_rows(rnd) -> tuple[dict, list, Counter, int]:
    """The database read of ``selectors.round_score``, query for query."""
    names = dict(rnd.assessment.test_objects.values_list("pk", "name"))
    raw = list(rnd.results.exclude(result="").values_list("unit_id", "obj_id", "result"))
    risks = Counter(rnd.problems.exclude(status="fixed").values_list("risk", flat=True))
    major = rnd.major_risks.filter(fixed=False).count()
    return names, raw, risks, major


def to_items(names: dict, raw: list) -> list:
    """The rows → ``ItemResult`` step of ``selectors.round_score``, as it is written there."""
    from dengbao.core import scoring

    return [scoring.ItemResult(unit=u, obj=names[o], result=scoring.Result(r)) for u, o, r in raw]


def naive_orm(rnd, catalogue) -> tuple[float, dict[str, float]]:
    """The peer: model instances with their object, float means per item and per object."""
    from dengbao.assessments.models import ResultRecord

    value = {"符合": 1.0, "部分符合": 0.5, "不符合": 0.0}
    by_item: dict[str, list[float]] = defaultdict(list)
    by_object: dict[str, list[float]] = defaultdict(list)
    for record in ResultRecord.objects.filter(round=rnd).select_related("obj"):
        if record.result in value and record.unit_id in catalogue.by_id:
            by_item[record.unit_id].append(value[record.result])
            by_object[record.obj.name].append(value[record.result])
    scores = [sum(v) / len(v) for v in by_item.values()]
    objects = {name: 100 * sum(v) / len(v) for name, v in by_object.items()}
    return 100 * sum(scores) / len(scores), objects


def measure_score(world: dict, *, runs: int) -> dict:
    """Score figures only; the 60,000 rows die with this frame, before the pages are timed."""
    from dengbao.assessments import selectors
    from dengbao.assessments.models import Round
    from dengbao.core import scoring
    from dengbao.core.catalogue import default

    catalogue = default()
    assessor = world["assessor"]
    rnd = Round.objects.select_related("assessment__project").get(pk=world["round"].pk)
    level, scheme = rnd.assessment.level, rnd.assessment.scheme
    out: dict = {}
    out["read_ms"], (names, raw, risks, major) = timed(lambda: read_rows(rnd), runs)
    out["build_ms"], rows = timed(lambda: to_items(names, raw), runs)
    out["core_ms"], ours = timed(
        lambda: scoring.score(
            rows, scheme=scheme, catalogue=catalogue, major_risks=major, risk_counts=dict(risks), level=level
        ),
        runs,
    )
    out["e2e_ms"], e2e = timed(lambda: selectors.round_score(actor=assessor, rnd=rnd), runs)
    out["e2e_queries"] = count_queries(lambda: selectors.round_score(actor=assessor, rnd=rnd))
    out["peer_ms"], (out["peer_rate"], peer_objects) = timed(lambda: naive_orm(rnd, catalogue), runs)
    out["results"], out["items_scored"] = len(rows), e2e.items_scored
    out["rate"], out["conclusion"] = e2e.compliance_rate, e2e.conclusion
    ours_objects = {g.key: g.score for g in e2e.objects if g.score is not None}
    # Ours rounds half up to 2 places, exactly; the peer's floats are unrounded.
    out["agree"] = (
        e2e.compliance_rate == ours.compliance_rate
        and abs(out["peer_rate"] - e2e.compliance_rate) <= 0.005 + 1e-9
        and peer_objects.keys() == ours_objects.keys()
        and all(abs(peer_objects[k] - v) <= 0.005 + 1e-9 for k, v in ours_objects.items())
    )
    out["objects_compared"] = len(ours_objects)
    return out


def page_times(client, url: str, requests: int, warmups: int) -> dict:
    """Wall and in-process CPU time of each request (CPU time shows what other load on the box adds)."""
    for _ in range(warmups):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} after sign-in")
    queries = count_queries(lambda: client.get(url))  # one request apart, to count its SQL
    wall, cpu = [], []
    for _ in range(requests):
        t, c = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return {"wall": wall, "cpu": cpu, "queries": queries, "kib": len(response.content) / 1024}


def measure_pages(world: dict, *, requests: int) -> dict:
    """Through the whole middleware stack as an assessor signed in with a verified second factor."""
    from django.test import Client

    client = Client()
    client.force_login(world["assessor"])
    session = client.session
    session["otp_device_id"] = world["device"].persistent_id  # as after a real sign-in with its code
    session.save()
    base = f"/projects/{world['project'].slug}/assessments/{world['assessment'].pk}/"
    out: dict = {}
    for key, obj in (("page", world["target"]), ("longest", world["longest"])):
        if obj is not None:
            out[key] = page_times(client, f"{base}objects/{obj.pk}/", requests, WARMUPS)
            out[key]["items"] = obj.results.count()
    out["badge"] = page_times(client, f"{base}score/", max(10, requests // 5), 2)
    return out


# --- The figures ----------------------------------------------------------------------------


def verdict(value: float, goal: float) -> str:
    return "met" if value < goal else "MISSED"


def page_line(label: str, p: dict, goal: str = "") -> str:
    wall, cpu = p["wall"], p["cpu"]
    return (
        f"{label}\n    p50 {percentile(wall, 50):6.1f} ms   p95 {percentile(wall, 95):6.1f} ms   "
        f"max {max(wall):6.1f} ms   {goal}".rstrip()
        + "\n"
        f"    (CPU in this process: p50 {percentile(cpu, 50):.1f} ms, p95 {percentile(cpu, 95):.1f} ms; "
        f"{p['queries']} queries, {p['kib']:.0f} KiB; {len(wall)} requests)"
    )


def report(args, world: dict, m: dict, setup_s: float, vendor: str, load: tuple) -> None:
    line = "-" * 100
    print(line)
    print(f"dengbao scoring benchmark · {vendor} · seed {SEED} · setup {setup_s:.1f} s")
    print(f"load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPUs")
    if args.sheet == "full":
        print(
            f"S3A3, {args.objects} objects; all but the measured one hold the full level-3 sheet "
            f"({world['sheet_items']} items),\nthe items that do not apply to their type recorded 不适用 "
            f"(as scoring_core.py): their applicable units alone\nwould give {world['applicable']:,} results."
        )
    else:
        print(
            f"S3A3, {args.objects} objects, only their applicable units (as services.object_add adds them)."
        )
    print(
        f"{m['results']:,} results → 符合率 {m['rate']} % ({m['conclusion']}), "
        f"{m['items_scored']} items scored; median of {args.runs}"
    )
    print(line)
    print(
        f"core score() on the rows in memory        {m['core_ms']:8.1f} ms   goal < {GOAL_CORE_MS} ms   "
        f"{verdict(m['core_ms'], GOAL_CORE_MS)}"
    )
    print(
        f"end to end: selectors.round_score()       {m['e2e_ms']:8.1f} ms   goal < {GOAL_TOTAL_MS} ms   "
        f"{verdict(m['e2e_ms'], GOAL_TOTAL_MS)}   ({m['e2e_queries']} queries)"
    )
    print(f"  database read (its queries, values_list) {m['read_ms']:8.1f} ms")
    print(f"  rows → ItemResult                        {m['build_ms']:8.1f} ms")
    print(
        f"peer: naive ORM (instances, float means)  {m['peer_ms']:8.1f} ms   → 符合率 {m['peer_rate']:.2f} % "
        + (f"(agrees, and on all {m['objects_compared']} object scores)" if m["agree"] else "(DISAGREES)")
    )
    print(
        f"  ratio round_score / peer: {m['e2e_ms'] / m['peer_ms']:.2f} (the peer takes "
        f"{m['peer_ms'] / m['e2e_ms']:.1f}× as long)"
    )
    p = m["page"]
    p95 = percentile(p["wall"], 95)
    print(
        page_line(
            f"checklist page of one object ({p['items']} items), {WARMUPS} warm-ups",
            p,
            f"goal p95 < {GOAL_PAGE_P95_MS} ms   {verdict(p95, GOAL_PAGE_P95_MS)}",
        )
    )
    if "longest" in m:
        print(
            page_line(
                f"for reference: the longest checklist here ({m['longest']['items']} items)", m["longest"]
            )
        )
    print(
        page_line(
            "for reference: the live 符合率 badge the checklist fetches on load and after every save",
            m["badge"],
        )
    )
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sheet", choices=("full", "applicable"), default="full")
    args = parser.parse_args()
    if min(args.objects, args.requests, args.runs) < 1:
        parser.error("--objects, --requests and --runs must be positive")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on a plain kill too
    load = os.getloadavg()
    var_dir = Path(tempfile.mkdtemp(prefix="dengbao-bench-"))
    try:
        t = time.perf_counter()
        django_setup(args.database, var_dir)
        world = build(objects=args.objects, sheet=args.sheet)
        setup_s = time.perf_counter() - t
        m = measure_score(world, runs=args.runs)
        gc.collect()
        m |= measure_pages(world, requests=args.requests)
        report(args, world, m, setup_s, vendor(), load)
    finally:
        try:
            django_teardown(args.database)
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
