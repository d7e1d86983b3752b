"""Scoring a level-3 project of 300 objects (goal: the core computation under 1 s).

The project is built from the shipped catalogue with a fixed seed: 300 assessment
objects of a hospital's usual types, each with the full level-3 general checklist
(211 items). Items that apply to the object's type get 符合/部分符合/不符合, the rest
不适用, as the workbench's sheet holds them: 63,300 results, the issue's "about 60,000".
A second run keeps only the applicable results. 40 整体测评 adjustments are applied.

The peer is the straightforward way to compute the same rate, category and object
scores and control-point results: group ItemResult objects into lists per item, per
object and per control point, and average floats. Both run in this process; the
figure is the median of 5 runs.

    .venv/bin/python benchmarks/scoring_core.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict

from dengbao.core.catalogue import default
from dengbao.core.catalogue.query import select
from dengbao.core.scoring import Adjustment, ItemResult, Result, score, score_document

SEED = 20250320
# A level-3 hospital system: object type → how many of the 300 objects.
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
WEIGHTS = {Result.CONFORMS: 0.7, Result.PARTIAL: 0.2, Result.FAILS: 0.1}


def build(*, applicable_only: bool) -> tuple[list[ItemResult], list[Adjustment]]:
    rnd = random.Random(SEED)
    items = select(default(), level=3, part="general")
    results = []
    n = 0
    for obj_type, count in MIX.items():
        for _ in range(count):
            n += 1
            name = f"{obj_type}-{n:03d}"
            for item in items:
                if obj_type in item.objects:
                    value = rnd.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
                elif applicable_only:
                    continue
                else:
                    value = Result.NOT_APPLICABLE
                results.append(ItemResult(item.id, name, value))
    failing = [r for r in results if r.result in (Result.FAILS, Result.PARTIAL)]
    adjustments = [
        Adjustment(r.unit, r.obj, Result.CONFORMS, "区域间", "边界防火墙与堡垒机已补偿")
        for r in rnd.sample(failing, 40)
    ]
    return results, adjustments


def naive(results: list[ItemResult], adjustments: list[Adjustment], catalogue) -> dict:
    """The straightforward peer: lists of result objects, float means, no validation."""
    adjusted = {(a.unit, a.obj): a.to for a in adjustments}
    value = {Result.CONFORMS: 1.0, Result.PARTIAL: 0.5, Result.FAILS: 0.0}
    by_item: dict[str, list[ItemResult]] = defaultdict(list)
    by_object: dict[str, list[ItemResult]] = defaultdict(list)
    by_cp_obj: dict[tuple[str, str], list[ItemResult]] = defaultdict(list)
    for r in results:
        r = ItemResult(r.unit, r.obj, adjusted.get((r.unit, r.obj), r.result))
        by_item[r.unit].append(r)
        by_object[r.obj].append(r)
        by_cp_obj[(catalogue.by_id[r.unit].control_point, r.obj)].append(r)
    item_scores = {}
    for unit, rs in by_item.items():
        applicable = [value[r.result] for r in rs if r.result is not Result.NOT_APPLICABLE]
        if applicable:
            item_scores[unit] = sum(applicable) / len(applicable)
    by_category: dict[str, list[float]] = defaultdict(list)
    for unit, s in item_scores.items():
        by_category[catalogue.by_id[unit].category].append(s)
    objects = {}
    for obj, rs in by_object.items():
        applicable = [value[r.result] for r in rs if r.result is not Result.NOT_APPLICABLE]
        objects[obj] = round(100 * sum(applicable) / len(applicable), 2) if applicable else None
    control_points = {}
    for key, rs in by_cp_obj.items():
        seen = {r.result for r in rs} - {Result.NOT_APPLICABLE}
        control_points[key] = (
            "不适用"
            if not seen
            else "符合"
            if seen == {Result.CONFORMS}
            else "不符合"
            if seen == {Result.FAILS}
            else "部分符合"
        )
    return {
        "rate": round(100 * sum(item_scores.values()) / len(item_scores), 2),
        "categories": {c: round(100 * sum(v) / len(v), 2) for c, v in by_category.items()},
        "objects": objects,
        "control_points": control_points,
    }


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    catalogue = default()
    for label, applicable_only in (("full sheet", False), ("applicable results only", True)):
        results, adjustments = build(applicable_only=applicable_only)
        objects = len({r.obj for r in results})
        ours = score(results, scheme="2025", catalogue=catalogue, adjustments=adjustments)
        peer = naive(results, adjustments, catalogue)
        assert abs(peer["rate"] - ours.compliance_rate) < 0.006, (peer["rate"], ours.compliance_rate)
        core_ms = median_ms(
            lambda r=results, a=adjustments: score(r, scheme="2025", catalogue=catalogue, adjustments=a),
            args.runs,
        )
        peer_ms = median_ms(lambda r=results, a=adjustments: naive(r, a, catalogue), args.runs)
        doc = {
            "scheme": "2025",
            "level": 3,
            "results": [{"unit": r.unit, "object": r.obj, "result": r.result.value} for r in results],
            "adjustments": [
                {"unit": a.unit, "object": a.obj, "to": a.to.value, "kind": a.kind.value, "reason": a.reason}
                for a in adjustments
            ],
        }
        doc_ms = median_ms(
            lambda d=doc: json.dumps(score_document(d, catalogue=catalogue).as_dict(), ensure_ascii=False),
            args.runs,
        )
        print(
            f"{label}: {objects} objects, {len(results):,} results, {ours.items_scored} items scored, "
            f"{len(ours.adjustments)} adjustments → 符合率 {ours.compliance_rate} % ({ours.conclusion})"
        )
        print(f"  core score(): {core_ms:.1f} ms  (goal < 1000 ms; median of {args.runs})")
        print(f"  peer, naive per-item loop over result objects (floats): {peer_ms:.1f} ms")
        print(f"  ratio core/peer: {core_ms / peer_ms:.2f}")
        print(f"  whole JSON path (score_document + as_dict + json.dumps, as the CLI/web): {doc_ms:.1f} ms")


if __name__ == "__main__":
    main()
