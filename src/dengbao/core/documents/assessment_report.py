"""网络安全等级测评报告: the plain data of one round, its context, and rendering.

The chapters follow the official report (MLPS-FACTS §4.1–4.2): cover, 声明, 等级测评结论,
总体评价, 主要安全问题及整改建议, then 1 测评项目概述 … 7 安全问题整改建议 and the
appendices A 被测对象资产, D 单项测评结果记录 and E 漏洞扫描结果. Every figure comes from
``scoring.Score`` — the report never computes a rate of its own — and the complete
result record (tens of thousands of rows for a large system) is streamed in as blocks.

Context keys a replacement template may use are those of ``assessment_report_context``;
``CHAPTERS`` lists the headings in order (tests and template checks use it).
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..catalogue.model import Catalogue
from ..catalogue.vocab import CATEGORY_BY_CODE
from ..scoring import Score
from . import builder, bulk, charts
from .assessment_report_input import (
    MajorRiskEntry,
    Party,
    ProblemEntry,
    ReportInput,
    ResultEntry,
    ScanEntry,
    ScanRun,
    TestObject,
    missing_for_report,
    summary,
)
from .common import TEMPLATES, cn_date, level_name, paragraphs

__all__ = [
    "CHAPTERS",
    "TEMPLATE",
    "MajorRiskEntry",
    "Party",
    "ProblemEntry",
    "ReportInput",
    "ResultEntry",
    "ScanEntry",
    "ScanRun",
    "TestObject",
    "assessment_report_context",
    "missing_for_report",
    "render_assessment_report",
    "summary",
]

TEMPLATE = TEMPLATES / "assessment-report-2025.docx"

CHAPTERS = (
    "声明",
    "网络安全等级测评基本信息表",
    "等级测评结论",
    "总体评价",
    "主要安全问题及整改建议",
    "1 测评项目概述",
    "2 被测对象描述",
    "3 单项测评结果分析",
    "4 整体测评",
    "5 安全问题风险分析",
    "6 等级测评结论",
    "7 安全问题整改建议",
    "附录A 被测对象资产",
    "附录D 单项测评结果记录",
    "附录E 漏洞扫描结果",
)
RESULT_ORDER = ("符合", "部分符合", "不符合", "不适用")
RISK_ORDER = ("高", "中", "低")


def assessment_report_context(data: ReportInput, catalogue: Catalogue, chart_dir: Path | None = None) -> dict:
    """Everything the report prints, as text and rows ready for the template.

    With ``chart_dir`` the charts are drawn there and put in as pictures; without it the
    picture slots are None (template checks and quick previews need no matplotlib).
    """
    score = data.score
    by_id = catalogue.by_id
    place = _unit_order(catalogue)
    problems = sorted(
        data.problems, key=lambda p: (RISK_ORDER.index(p.risk) if p.risk in RISK_ORDER else 9, place(p.unit))
    )
    risk_counts = Counter(p.risk for p in data.problems)
    majors_total = len(data.major_risks)
    majors_fixed = sum(m.fixed for m in data.major_risks)
    value_label = "综合得分" if score.weighted_score is not None else "符合率"
    value = score.weighted_score if score.weighted_score is not None else score.compliance_rate
    value_text = f"{value:g}" if score.weighted_score is not None else f"{value:g}%"
    conclusion = {
        "text": score.conclusion,
        "reason": score.conclusion_reason,
        "value_label": value_label,
        "value": value_text,
        "compliance_rate": f"{score.compliance_rate:g}%",
        "scheme": score.scheme.title,
        "method": list(score.scheme.assumptions()),
        "major_risks": f"{majors_total}（{majors_fixed}个已整改）" if majors_fixed else str(majors_total),
        "high": risk_counts.get("高", 0),
        "medium": risk_counts.get("中", 0),
        "low": risk_counts.get("低", 0),
        "item_count": score.items_scored,
        "not_applicable": len(score.items_not_applicable),
        "results": score.results_total,
    }
    categories = _categories(score, chart_dir)
    return {
        "report_number": data.report_number,
        "draft": data.finished is None,  # the round is not finalised: a draft, marked as one
        "report_date": cn_date(data.report_date),
        "agency": asdict(data.agency),
        "client": asdict(data.client),
        "system": {
            "name": data.system_name,
            "code": data.system_code,
            "level": data.level,
            "level_name": level_name(data.level),
            "sa": data.sa,
            "description": paragraphs(data.system_description) or [f"{data.system_name}。"],
        },
        "assessment": {
            "name": data.assessment_name,
            "round": data.round_label,
            "started": cn_date(data.started, blank="—"),
            "finished": cn_date(data.finished, blank="—"),
            "assessors": "、".join(data.assessors) or "—",
            "reviewer": data.reviewer or "—",
            "approver": data.approver or "—",
            "prepared_on": cn_date(data.report_date),
            "reviewed_on": cn_date(data.reviewed_on, blank="—"),
            "approved_on": cn_date(data.approved_on, blank="—"),
            "certificate": data.certificate_number or "尚未取得",
            "extensions": "、".join(data.extensions) or "无",
        },
        "conclusion": conclusion,
        "overall": _overall(data, conclusion, categories),
        "main_problems": [_problem_row(n, p, by_id) for n, p in enumerate(_main(problems), start=1)],
        "basis": list(data.basis),
        "indicators": _indicators(score),
        "objects": [_object_row(n, o) for n, o in enumerate(data.objects, start=1)],
        "categories": categories,
        "summary_chart": _chart(
            chart_dir,
            "categories.png",
            charts.bars,
            [c["name"] for c in categories],
            [c["rate_value"] for c in categories],
            title="各安全类符合率",
        ),
        "results_chart": _chart(
            chart_dir, "results.png", charts.pie, dict(score.counts), title="测评结果分布"
        ),
        "scan": {
            "done": bool(data.scan_findings),
            "rows": [asdict(f) for f in data.scan_findings],
            "runs": [_scan_run(n, r) for n, r in enumerate(data.scan_runs, start=1)],
            "waiver": data.scan_waiver,
        },
        "adjustments": [
            {
                "unit": a.unit,
                "requirement": _requirement(by_id, a.unit),
                "obj": a.obj or "全部对象",
                "before": a.before.value,
                "after": a.after.value,
                "direction": a.direction,
                "reason": a.reason,
            }
            for a in score.adjustments
        ],
        "risks": [_problem_row(n, p, by_id) for n, p in enumerate(problems, start=1)],
        "major_risks": [
            {
                "n": n,
                "title": m.title,
                "description": m.description or "—",
                "state": "已整改" if m.fixed else "未整改",
                "problems": "；".join(m.problems) or "—",
            }
            for n, m in enumerate(data.major_risks, start=1)
        ],
        "conclusion_paragraphs": _conclusion_paragraphs(data, conclusion),
        "recommendations": _recommendations(problems, by_id, place),
        "appendix_d": bulk.Blocks(_appendix_d(data, by_id, place)),
    }


def render_assessment_report(
    data: ReportInput, catalogue: Catalogue, *, template: Path | None = None, charts_on: bool = True
) -> bytes:
    """The report as .docx bytes (charts drawn in a temporary folder unless ``charts_on`` is False)."""
    with tempfile.TemporaryDirectory(prefix="dengbao-charts-") as tmp:
        context = assessment_report_context(data, catalogue, Path(tmp) if charts_on else None)
        return builder.render_docx(template or TEMPLATE, context)


# --- parts -----------------------------------------------------------------------------


def _unit_order(catalogue: Catalogue) -> Callable[[str], int]:
    """Sort key: a unit's place in the catalogue (unknown units last)."""
    order = {item.id: n for n, item in enumerate(catalogue.items)}
    return lambda unit: order.get(unit, 1 << 30)


def _main(problems: Sequence[ProblemEntry]) -> list[ProblemEntry]:
    """主要安全问题: the high-risk ones; when there are none, the first few of the rest."""
    high = [p for p in problems if p.risk == "高" or p.case_status == "confirmed"]
    return high or list(problems[:5])


def _requirement(by_id: Mapping, unit: str) -> str:
    item = by_id.get(unit)
    return item.requirement if item else ""


def _category_name(code: str) -> str:
    category = CATEGORY_BY_CODE.get(code)
    return category.name if category else code


def _object_row(n: int, o: TestObject) -> dict:
    return {
        "n": n,
        "kind": o.kind,
        "name": o.name,
        "model_version": o.model_version or "—",
        "location": o.location or "—",
        "importance": o.importance or "—",
        "note": o.note or "—",
    }


def _problem_row(n: int, p: ProblemEntry, by_id: Mapping) -> dict:
    item = by_id.get(p.unit)
    if p.case_status == "confirmed":
        case = f"判定为高风险：对应判例 {p.case_id} {p.case_title}".rstrip()
        analysis = p.case_reason or f"问题情形与判例 {p.case_id} 相符，且未见有效的缓解措施。"
    elif p.case_status == "rejected":
        case = f"对照判例 {p.case_id} {p.case_title}，不判定为高风险".rstrip()
        analysis = p.case_reason or "现场核实存在可降低风险的措施。"
    elif p.case_status == "proposed":
        case = f"可能对应判例 {p.case_id} {p.case_title}（待确认）".rstrip()
        analysis = p.case_reason or "需进一步核实适用条件与缓解措施。"
    else:
        case = "未匹配高风险判例"
        analysis = p.case_reason or _default_analysis(p.risk)
    return {
        "n": n,
        "title": p.title,
        "unit": p.unit,
        "category": _category_name(item.category) if item else "",
        "control_point": item.control_point if item else "",
        "requirement": item.requirement if item else "",
        "objects": "、".join(p.objects) or "—",
        "description": p.description or p.title,
        "risk": p.risk,
        "case": case,
        "analysis": analysis,
        "remediation": p.remediation or "—",
        "status": p.status or "—",
    }


def _default_analysis(risk: str) -> str:
    return {
        "高": "该问题可能被直接利用，对定级对象造成较严重的影响。",
        "中": "该问题在一定条件下可能被利用，对定级对象造成一定影响。",
        "低": "该问题被利用的可能性较低，影响有限。",
    }.get(risk, "")


def _indicators(score: Score) -> list[dict]:
    per: dict[str, set[str]] = defaultdict(set)
    items: Counter = Counter()
    for item in score.items:
        per[item.category].add(item.control_point)
        items[item.category] += 1
    rows: list[dict[str, Any]] = [
        {"category": g.name, "control_points": len(per[g.key]), "item_count": items[g.key]}
        for g in score.categories
    ]
    rows.append(
        {
            "category": "合计",
            "control_points": sum(r["control_points"] for r in rows),
            "item_count": sum(r["item_count"] for r in rows),
        }
    )
    return rows


def _categories(score: Score, chart_dir: Path | None) -> list[dict]:
    by_category: dict[str, list] = defaultdict(list)
    for item in score.items:
        by_category[item.category].append(item)
    out = []
    for n, group in enumerate(score.categories, start=1):
        points: dict[str, Counter] = {}
        for item in by_category[group.key]:
            points.setdefault(item.control_point, Counter())[item.result.value] += 1
        cp_results = {
            c.control_point: c.result.value for c in score.control_points if c.category == group.key
        }
        rows: list[dict[str, Any]] = [
            {
                "control_point": cp,
                "item_count": sum(tally.values()),
                **{key: tally.get(value, 0) for key, value in zip(_RESULT_KEYS, RESULT_ORDER, strict=True)},
                "result": cp_results.get(cp, "—"),
            }
            for cp, tally in points.items()
        ]
        counts = group.counts
        failing = [r["control_point"] for r in rows if r["result"] in ("不符合", "部分符合")]
        text = (
            f"本类共测评 {group.items} 个适用测评项，测评结果记录中符合 {counts.get('符合', 0)} 项次、"
            f"部分符合 {counts.get('部分符合', 0)} 项次、不符合 {counts.get('不符合', 0)} 项次、"
            f"不适用 {counts.get('不适用', 0)} 项次，符合率为 {_rate(group.score)}。"
        )
        text += f"存在问题的控制点为：{'、'.join(failing)}。" if failing else "各控制点均未发现不符合项。"
        chart = _chart(
            chart_dir,
            f"category-{group.key}.png",
            charts.stacked_bars,
            [r["control_point"] for r in rows],
            {value: [r[key] for r in rows] for key, value in zip(_RESULT_KEYS, RESULT_ORDER, strict=True)},
            title=f"{group.name}各控制点测评项结果",
        )
        out.append(
            {
                "number": f"3.{n}",
                "name": group.name,
                "rate": _rate(group.score),
                "rate_value": group.score,
                "item_count": group.items,
                "text": text,
                "rows": rows,
                "chart": chart,
            }
        )
    return out


_RESULT_KEYS = ("conforms", "partial", "fails", "na")


def _rate(value: float | None) -> str:
    return "—（全部不适用）" if value is None else f"{value:g}%"


def _chart(chart_dir: Path | None, name: str, draw, *args, **kwargs) -> builder.Picture | None:
    if chart_dir is None:
        return None
    return builder.Picture(draw(*args, chart_dir / name, **kwargs))


def _overall(data: ReportInput, conclusion: dict, categories: list[dict]) -> list[str]:
    strongest = [c["name"] for c in categories if c["rate_value"] is not None and c["rate_value"] >= 90]
    weakest = sorted(
        (c for c in categories if c["rate_value"] is not None and c["rate_value"] < 80),
        key=lambda c: c["rate_value"],
    )
    text = [
        f"{data.client.name}委托{data.agency.name}对{data.system_name}（{level_name(data.level)}）"
        f"开展网络安全等级测评。测评依据 GB/T 22239-2019 第{data.level}级安全要求，"
        f"共测评 {len(data.objects)} 个测评对象、{conclusion['item_count']} 个适用测评项。",
        f"本次测评{conclusion['value_label']}为 {conclusion['value']}，发现高风险问题 "
        f"{conclusion['high']} 个、中风险问题 {conclusion['medium']} 个、低风险问题 {conclusion['low']} 个，"
        f"重大风险隐患 {conclusion['major_risks']} 个，等级测评结论为“{conclusion['text']}”。",
    ]
    if strongest:
        text.append(f"{'、'.join(strongest)}的安全措施较为完善，符合率达到 90% 以上。")
    if weakest:
        names = "、".join(f"{c['name']}（{c['rate']}）" for c in weakest[:4])
        text.append(f"相对薄弱的方面为{names}，建议作为整改的重点。")
    return text


def _conclusion_paragraphs(data: ReportInput, conclusion: dict) -> list[str]:
    return [
        f"依据 GB/T 22239-2019 和 GB/T 28448-2019，按照{conclusion['scheme']}的计分方法，"
        f"{data.system_name}的{conclusion['value_label']}为 {conclusion['value']}"
        + (f"（符合率 {conclusion['compliance_rate']}）" if conclusion["value_label"] != "符合率" else "")
        + f"，重大风险隐患 {conclusion['major_risks']} 个。",
        f"{conclusion['reason']}，等级测评结论为：{conclusion['text']}。".replace("。，", "，"),
    ]


def _recommendations(
    problems: Sequence[ProblemEntry], by_id: Mapping, place: Callable[[str], int]
) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for p in sorted(problems, key=lambda p: place(p.unit)):
        item = by_id.get(p.unit)
        name = _category_name(item.category) if item else "其他"
        groups.setdefault(name, []).append(
            {"title": p.title, "risk": p.risk, "remediation": p.remediation or "—", "unit": p.unit}
        )
    return [{"category": name, "problems": rows} for name, rows in groups.items()]


def _appendix_d(data: ReportInput, by_id: Mapping, place: Callable[[str], int]) -> Iterator[bulk.Block]:
    """Per object, in the order of 附录A: a heading and its results in catalogue order."""
    by_object: dict[str, list[ResultEntry]] = defaultdict(list)
    for entry in data.results:
        by_object[entry.obj].append(entry)
    columns = (("序号", 1.2), ("测评单元", 2.4), ("测评指标", 4.6), ("结果记录", 5.8), ("符合情况", 2.0))
    for n, obj in enumerate(data.objects, start=1):
        entries = sorted(by_object.get(obj.name, ()), key=lambda e: place(e.unit))
        yield bulk.Heading(f"D.{n} {obj.name}（{obj.kind}）", 2)
        if not entries:
            yield bulk.Paragraph("该对象无测评结果记录。")
            continue
        yield bulk.Table(
            columns,
            (
                (k, e.unit, _requirement(by_id, e.unit), e.note or "—", e.result)
                for k, e in enumerate(entries, start=1)
            ),
        )


def _scan_run(n: int, run: ScanRun) -> dict:
    when = f"{run.started} 至 {run.finished}" if run.finished and run.finished != run.started else run.started
    return {
        "n": n,
        "kind": run.kind,
        "tool": f"{run.tool} {run.version}".strip() or "—",
        "when": when or "文件未记载",
        "scope": run.scope or "—",
        "source": run.source or "—",
    }
