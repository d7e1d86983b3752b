"""网站监测月报: each monitored site's availability, response time and incidents for one month.

The rows are the monitoring app's ``availability_month`` (plain dicts); this module adds the
summary, the kinds of incident in words and a chart of availability per site.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import builder, charts
from .common import TEMPLATES

TEMPLATE = TEMPLATES / "monitoring-report.docx"


@dataclass(frozen=True)
class MonitoringMonth:
    client: str
    agency: str
    year: int
    month: int
    rows: Sequence[Mapping]  # availability_month(...) rows
    kinds: Mapping[str, str]  # incident kind → its Chinese name


def monitoring_context(data: MonitoringMonth, chart_dir: Path | None = None) -> dict:
    rows = [_row(n, r, data.kinds) for n, r in enumerate(data.rows, start=1)]
    measured = [r for r in data.rows if r.get("uptime_percent") is not None]
    worst = min(measured, key=lambda r: r["uptime_percent"], default=None)
    chart = None
    if chart_dir is not None and measured:
        chart = builder.Picture(
            charts.bars(
                [r["name"] for r in measured],
                [r["uptime_percent"] for r in measured],
                chart_dir / "uptime.png",
                title="各站点可用率（%）",
            )
        )
    incidents = sum(r.get("incidents", 0) for r in data.rows)
    summary = f"本月共监测 {len(data.rows)} 个站点，记录事件 {incidents} 起。"
    if worst is not None:
        summary += f"可用率最低的是“{worst['name']}”，为 {worst['uptime_percent']:g}%。"
    if not measured:
        summary += "本月没有检查记录。"
    return {
        "title": f"{data.year} 年 {data.month} 月",
        "client": data.client,
        "agency": data.agency,
        "summary": summary,
        "rows": rows,
        "uptime_chart": chart,
        "incident_rows": [r for r in rows if r["incidents"]],
    }


def render_monitoring_report(
    data: MonitoringMonth, *, template: Path | None = None, charts_on: bool = True
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="dengbao-charts-") as tmp:
        context = monitoring_context(data, Path(tmp) if charts_on else None)
        return builder.render_docx(template or TEMPLATE, context)


def _row(n: int, r: Mapping, kinds: Mapping[str, str]) -> dict:
    uptime = r.get("uptime_percent")
    response = r.get("avg_response_ms")
    by_kind = r.get("incidents_by_kind") or {}
    return {
        "n": n,
        "name": r["name"],
        "url": r["url"],
        "checks": r.get("checks", 0),
        "uptime": "—" if uptime is None else f"{uptime:g}%",
        "response": "—" if response is None else f"{response:g} ms",
        "incidents": r.get("incidents", 0),
        "incident_text": "、".join(f"{kinds.get(k, k)} {v} 起" for k, v in sorted(by_kind.items())) or "无",
        "downtime": f"{r.get('downtime_minutes', 0):g} 分钟",
    }
