"""The full 网络安全等级测评报告 of the scoring benchmark's 300-object level-3 project.

Goal (issue 6): the .docx in under 15 s and under 500 MB peak memory. The project is the one
benchmarks/scoring.py builds (S3A3, 300 objects, the full level-3 sheet on each: 63,132
results), with its problems synced the way the workbench does, so chapter 5 and 7 are full.

Measured, in this process: gathering the data from the database, drawing the charts and
rendering the document, end to end through ``make_assessment_report`` (which also stores the
version). Peak memory is the process's maximum resident set size (ru_maxrss) after the build,
and Python's own peak allocation (tracemalloc) during the report alone.

The peer, in the same run, is the same report with the result appendix rendered by the
template engine (a Jinja loop over every row, as docxtpl users usually do) instead of the
streamed blocks — run on a tenth of the objects with ``--peer`` (the whole project that way
takes minutes and gigabytes), and its time scaled linearly to 300 objects for the ratio.

    .venv/bin/python benchmarks/report.py [--database sqlite|postgres] [--objects 300] [--peer]
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scoring as bench  # the scoring benchmark's project builder

GOAL_S, GOAL_MB = 15.0, 500


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_report(world: dict, *, trace: bool = False) -> tuple[float, float, int, int]:
    """One report end to end: seconds, Python's peak MB (only with ``trace``: tracemalloc slows
    Python down several times, so the timed run is a separate one), size, results."""
    from dengbao.reports.assessment_documents import make_assessment_report

    project, assessment = world["project"], world["assessment"]
    system = assessment.systems.get()
    gc.collect()
    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    made = make_assessment_report(actor=world["manager"], project=project, system=system)
    seconds = time.perf_counter() - t
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return seconds, peak / 2**20, len(made.content), made.document.data["results"]


def peer_report(world: dict, objects: int) -> tuple[float, int]:
    """The same report with appendix D as a Jinja loop over rows (no streaming), for ``objects`` objects."""
    from docx import Document

    from dengbao.core.catalogue import default
    from dengbao.core.documents import assessment_report as ar
    from dengbao.core.documents import builder
    from dengbao.reports.assessment_documents import report_input

    assessment = world["assessment"]
    data = report_input(
        actor=world["manager"], assessment=assessment, system=assessment.systems.get(), rnd=world["round"]
    )
    keep = {o.name for o in list(data.objects)[:objects]}
    rows = [
        {"n": n, "obj": r.obj, "unit": r.unit, "note": r.note, "result": r.result}
        for n, r in enumerate((r for r in data.results if r.obj in keep), start=1)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "peer.docx"
        doc = Document(str(ar.TEMPLATE))
        table = doc.add_table(rows=3, cols=5)
        table.rows[0].cells[0].text = "{%tr for r in rows %}"
        for i, key in enumerate(("n", "obj", "unit", "note", "result")):
            table.rows[1].cells[i].text = f"{{{{ r.{key} }}}}"
        table.rows[2].cells[0].text = "{%tr endfor %}"
        doc.save(str(template))
        context = ar.assessment_report_context(data, default(), None)
        context["appendix_d"] = ""
        t = time.perf_counter()
        builder.render_docx(template, {**context, "rows": rows})
        return time.perf_counter() - t, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer", action="store_true", help="also time the all-template peer on a tenth")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="dengbao-bench-report-"))
    try:
        bench.django_setup(args.database, var_dir)
        t = time.perf_counter()
        world = bench.build(objects=args.objects, sheet="full")
        from dengbao.accounts.models import User
        from dengbao.assessments import problem_services

        world["manager"] = User.objects.get(username="bench-manager")
        problem_services.problems_sync(actor=world["assessor"], rnd=world["round"])
        problems = world["round"].problems.count()
        setup_s = time.perf_counter() - t
        rss_before = rss_mb()
        runs = [make_report(world) for _ in range(args.runs)]
        seconds = sorted(r[0] for r in runs)[len(runs) // 2]
        size, results = runs[0][2:]
        rss_after = rss_mb()
        py_peak = make_report(world, trace=True)[1]
        print(f"database          {bench.vendor()}")
        print(f"project           {args.objects} objects, {results} results, {problems} problems "
              f"(built in {setup_s:.1f} s)")  # fmt: skip
        print(f"report .docx      {size / 2**20:.1f} MB")
        ok = "OK" if seconds < GOAL_S else "over goal"
        times = ", ".join(f"{r[0]:.2f}" for r in runs)
        print(
            f"report time       {seconds:.2f} s median of {len(runs)} ({times}) (goal < {GOAL_S:g} s: {ok})"
        )
        ok = "OK" if rss_after < GOAL_MB else "over goal"
        print(f"peak RSS          {rss_after:.0f} MB (process; {rss_before:.0f} MB before the report; "
              f"goal < {GOAL_MB} MB: {ok})")  # fmt: skip
        print(f"python peak       {py_peak:.0f} MB allocated during the report (tracemalloc)")
        if args.peer:
            tenth = max(1, args.objects // 10)
            peer_s, peer_rows = peer_report(world, tenth)
            scaled = peer_s * results / peer_rows
            print(f"peer (Jinja rows) {peer_s:.2f} s for {peer_rows} rows ({tenth} objects); "
                  f"scaled to {results} rows {scaled:.1f} s")  # fmt: skip
            print(f"ratio             streamed / peer = {seconds / scaled:.2f}")
    finally:
        try:
            bench.django_teardown(args.database)
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
