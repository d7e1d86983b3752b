"""漏洞扫描报告: one scan (or one import of a scanner's report) for the client, from the Finding type.

The findings are the importers' ``Finding`` (every scanner and the built-in engine produce
it), so the report reads the same whatever tool ran. Long lists — every finding on every
host, every open port — are streamed as blocks (see bulk.py); the summary, the per-host
table and the remediation advice grouped by vulnerability stay in the template.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..importers.model import Finding, ServiceObservation, Severity
from . import builder, bulk, charts
from .common import TEMPLATES, cn_date

TEMPLATE = TEMPLATES / "scan-report.docx"
CHAPTERS = ("1 概述", "2 扫描结果汇总", "3 漏洞详情", "4 开放端口与服务", "5 整改建议")
ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
SEVERITY_COLOURS = {"严重": "#8e1b1b", "高": "#c8463d", "中": "#e0a526", "低": "#5b8ff9", "信息": "#9e9e9e"}


@dataclass(frozen=True)
class ScanReportInput:
    title: str  # e.g. "2026 年第四季度漏洞扫描"
    client: str
    agency: str
    report_date: dt.date
    started: dt.datetime | None
    finished: dt.datetime | None
    tools: Sequence[str]  # "nmap 7.93", "Nessus", "内置扫描引擎"
    targets: str  # the scope as the authorisation states it
    authorisation: str  # 授权书 reference: signer and validity
    findings: Sequence[Finding]
    services: Sequence[ServiceObservation] = ()
    states: dict[str, str] | None = None  # dedup key → 状态 shown (已确认/误报/已修复…)


def scan_report_context(data: ScanReportInput, chart_dir: Path | None = None) -> dict:
    findings = sorted(data.findings, key=lambda f: (-f.severity.rank, f.host, f.port or 0, f.title))
    counts = Counter(f.severity for f in findings)
    per_host: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        per_host[f.host or f.url][f.severity] += 1
    hosts = sorted(per_host, key=lambda h: (*(-per_host[h][s] for s in ORDER), h))
    chart = None
    if chart_dir is not None and findings:
        shown = {s.value: counts.get(s, 0) for s in ORDER}
        chart = builder.Picture(charts.pie(shown, chart_dir / "severity.png", title="漏洞等级分布",
                                           colours=SEVERITY_COLOURS))  # fmt: skip
    return {
        "title": data.title,
        "client": data.client,
        "agency": data.agency,
        "report_date": cn_date(data.report_date),
        "period": _period(data.started, data.finished),
        "tools": "、".join(data.tools) or "—",
        "targets": data.targets or "—",
        "authorisation": data.authorisation or "—",
        "total": len(findings),
        "hosts_total": len(hosts),
        "counts": [{"severity": s.value, "n": counts.get(s, 0)} for s in ORDER],
        "summary": _summary(findings, counts, len(hosts)),
        "severity_chart": chart,
        "hosts": [
            {
                "host": h,
                **{k: per_host[h].get(s, 0) for k, s in zip(_KEYS, ORDER, strict=True)},
                "total": sum(per_host[h].values()),
            }
            for h in hosts
        ],
        "details": bulk.Blocks(_details(findings, data.states or {})),
        "services": bulk.Blocks(_services(data.services)),
        "advice": _advice(findings),
    }


_KEYS = ("critical", "high", "medium", "low", "info")


def render_scan_report(
    data: ScanReportInput, *, template: Path | None = None, charts_on: bool = True
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="dengbao-charts-") as tmp:
        context = scan_report_context(data, Path(tmp) if charts_on else None)
        return builder.render_docx(template or TEMPLATE, context)


def _period(started: dt.datetime | None, finished: dt.datetime | None) -> str:
    if started is None:
        return "—"
    end = f" 至 {finished:%Y-%m-%d %H:%M}" if finished else ""
    return f"{started:%Y-%m-%d %H:%M}{end}"


def _summary(findings: Sequence[Finding], counts: Counter, hosts: int) -> str:
    if not findings:
        return "本次扫描未发现安全漏洞。"
    serious = counts.get(Severity.CRITICAL, 0) + counts.get(Severity.HIGH, 0)
    text = (
        f"本次扫描在 {hosts} 个主机（或网址）上发现安全漏洞 {len(findings)} 个，其中严重 "
        f"{counts.get(Severity.CRITICAL, 0)} 个、高危 {counts.get(Severity.HIGH, 0)} 个、中危 "
        f"{counts.get(Severity.MEDIUM, 0)} 个、低危 {counts.get(Severity.LOW, 0)} 个、信息 "
        f"{counts.get(Severity.INFO, 0)} 个。"
    )
    if serious:
        text += "严重和高危漏洞可能被直接利用，应优先修复；修复后可申请复扫验证。"
    return text


def _where(f: Finding) -> str:
    if f.url:
        return f.url + (f"（参数 {f.parameter}）" if f.parameter else "")
    port = f"{f.port}/{f.protocol or 'tcp'}" if f.port else ""
    return f"{f.host}:{port}" if port else f.host


def _details(findings: Sequence[Finding], states: dict[str, str]):
    columns = (
        ("序号", 1.0),
        ("位置", 3.2),
        ("漏洞", 4.4),
        ("等级", 1.2),
        ("CVE / CVSS", 2.6),
        ("整改建议", 3.6),
    )
    for severity in ORDER:
        rows = [f for f in findings if f.severity == severity]
        if not rows:
            continue
        yield bulk.Heading(f"{severity.value}（{len(rows)} 个）", 2)
        yield bulk.Table(
            columns,
            (
                (
                    n,
                    _where(f),
                    f.title + (f"\n状态：{states[f.dedup_key]}" if f.dedup_key in states else ""),
                    f.severity.value,
                    "\n".join(
                        filter(None, [", ".join(f.cve), f"CVSS {f.cvss_score:g}" if f.cvss_score else ""])
                    )
                    or "—",
                    f.solution or "—",
                )
                for n, f in enumerate(rows, start=1)
            ),
        )
    if not findings:
        yield bulk.Paragraph("本次扫描未发现安全漏洞。")


def _services(services: Sequence[ServiceObservation]):
    shown = [s for s in services if s.state in ("open", "")]
    if not shown:
        yield bulk.Paragraph("本次扫描未记录开放端口（或所用工具不提供端口信息）。")
        return
    yield bulk.Table(
        (("主机", 3.2), ("端口", 1.6), ("协议", 1.2), ("服务", 2.4), ("产品与版本", 7.6)),
        (
            (
                s.host,
                s.port,
                s.protocol,
                s.service or "—",
                " ".join(filter(None, [s.product, s.version])) or "—",
            )
            for s in sorted(shown, key=lambda s: (s.host, s.port))
        ),
    )


def _advice(findings: Sequence[Finding]) -> list[dict]:
    """One entry per vulnerability (same rule), worst first, with how many places it was found."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.severity == Severity.INFO:
            continue
        groups.setdefault((f.tool, f.tool_rule_id or f.title), []).append(f)
    ordered = sorted(groups.values(), key=lambda g: (-g[0].severity.rank, -len(g), g[0].title))
    return [
        {
            "title": g[0].title,
            "severity": g[0].severity.value,
            "places": len({_where(f) for f in g}),
            "solution": next((f.solution for f in g if f.solution), "请参考厂商安全公告修复。"),
        }
        for g in ordered
    ]
