"""The plain data of one 测评报告: who, what system, the round's score and records.

The Django layer fills it from the database (reports/assessment_documents.py); the report
(assessment_report.py) and template checks (report_samples.py) read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..scoring import Score


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
    code: str = ""  # the 测评机构's 4-digit code


@dataclass(frozen=True)
class TestObject:
    kind: str
    name: str
    model_version: str = ""
    location: str = ""
    importance: str = ""
    note: str = ""


@dataclass(frozen=True)
class ResultEntry:
    obj: str
    unit: str
    result: str  # 符合 / 部分符合 / 不符合 / 不适用
    note: str = ""


@dataclass(frozen=True)
class ProblemEntry:
    unit: str
    title: str
    description: str
    risk: str  # 高 / 中 / 低
    objects: tuple[str, ...] = ()
    remediation: str = ""
    status: str = ""  # 整改状态 as shown
    case_id: str = ""  # 高风险判例, e.g. "6.4.1.1"
    case_title: str = ""
    case_status: str = "none"  # none / proposed / confirmed / rejected
    case_reason: str = ""


@dataclass(frozen=True)
class MajorRiskEntry:
    title: str
    description: str = ""
    fixed: bool = False
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanEntry:
    """One vulnerability of 附录E (filled once the scanning module provides them)."""

    host: str
    port: str
    title: str
    severity: str
    cve: str = ""
    solution: str = ""


@dataclass(frozen=True)
class ScanRun:
    """One vulnerability scan or penetration test behind 附录E: what tool, when (per the scanner's
    own file), over what scope."""

    kind: str  # 漏洞扫描 / 渗透测试
    tool: str
    version: str = ""
    started: str = ""  # as the file states it, e.g. "2024年3月5日 10:01"
    finished: str = ""
    scope: str = ""
    source: str = ""  # the imported file or the pen-test record


@dataclass(frozen=True)
class ReportInput:
    report_number: str
    report_date: dt.date
    agency: Party
    client: Party
    system_name: str
    system_code: str
    level: int
    sa: str
    system_description: str
    assessment_name: str
    round_label: str
    started: dt.date | None
    finished: dt.date | None
    score: Score
    objects: Sequence[TestObject]
    results: Sequence[ResultEntry]
    problems: Sequence[ProblemEntry]
    major_risks: Sequence[MajorRiskEntry] = ()
    scan_findings: Sequence[ScanEntry] = ()
    scan_runs: Sequence[ScanRun] = ()
    scan_waiver: str = ""
    certificate_number: str = ""  # 备案证明编号 ("" = not yet issued)
    approver: str = ""  # 批准人
    reviewed_on: dt.date | None = None
    approved_on: dt.date | None = None  # why no scan or pen-test was done for this system (recorded, audited)
    assessors: Sequence[str] = ()
    reviewer: str = ""
    extensions: Sequence[str] = ()  # 扩展要求 parts, in Chinese
    basis: Sequence[str] = field(
        default=(
            "GB/T 22239-2019《信息安全技术 网络安全等级保护基本要求》",
            "GB/T 28448-2019《信息安全技术 网络安全等级保护测评要求》",
            "GB/T 28449-2018《信息安全技术 网络安全等级保护测评过程指南》",
            "GB/T 22240-2020《信息安全技术 网络安全等级保护定级指南》",
        )
    )


def missing_for_report(data: ReportInput) -> list[str]:
    """What must be filled in before the report can be made, by its Chinese name."""
    missing = []
    if not data.client.name:
        missing.append("被测单位名称")
    if not data.agency.name:
        missing.append("测评单位名称")
    if not data.objects:
        missing.append("测评对象")
    if not data.results:
        missing.append("测评结果记录")
    return missing


def summary(data: ReportInput) -> dict:
    """The figures a signed version keeps in the database (plain JSON)."""
    s = data.score
    return {
        "report_number": data.report_number,
        "system": data.system_name,
        "level": data.level,
        "round": data.round_label,
        "conclusion": s.conclusion,
        "compliance_rate": s.compliance_rate,
        "weighted_score": s.weighted_score,
        "scheme": s.scheme.name,
        "counts": dict(s.counts),
        "major_risks": len(data.major_risks),
        "major_risks_fixed": sum(m.fixed for m in data.major_risks),
        "problems": [{"unit": p.unit, "title": p.title, "risk": p.risk} for p in data.problems],
        "objects": len(data.objects),
        "results": len(data.results),
    }
