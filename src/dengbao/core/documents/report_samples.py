"""A small, fictional round (演示数据) for checking a replacement 测评报告 template."""

from __future__ import annotations

import datetime as dt

from ..catalogue import default as catalogue
from ..scoring import ItemResult, Result, score
from .assessment_report import (
    MajorRiskEntry,
    Party,
    ProblemEntry,
    ReportInput,
    ResultEntry,
    TestObject,
)

OBJECTS = (
    TestObject("机房", "主机房", location="门诊楼 5 层", importance="关键"),
    TestObject("服务器/操作系统", "HIS-DB", "Linux 8", "10.0.0.10", "关键"),
    TestObject("数据库管理系统", "HIS-Oracle", "Oracle 19c", "10.0.0.10", "关键"),
)
_RESULTS = ("符合", "部分符合", "不符合", "符合", "不适用", "符合")


def sample_input() -> ReportInput:
    """Every section filled: results on each object, a problem per risk level, a major risk."""
    cat = catalogue()
    units = [i for i in cat.items if i.level == 3 and i.part == "general"]
    by_kind = {o.kind: [u for u in units if o.kind in u.objects][:12] for o in OBJECTS}
    results = [
        ResultEntry(o.name, u.id, _RESULTS[n % len(_RESULTS)], "演示数据：核查配置。")
        for o in OBJECTS
        for n, u in enumerate(by_kind[o.kind])
    ]
    failing = [r for r in results if r.result == "不符合"]
    problems = [
        ProblemEntry(
            unit=r.unit,
            title=f"演示问题 {n}",
            description="演示数据：未采取相应措施。",
            risk=("高", "中", "低")[n % 3],
            objects=(r.obj,),
            remediation="演示数据：按要求配置。",
            status="待整改",
            case_status="confirmed" if n == 0 else "none",
            case_id="6.4.1.1" if n == 0 else "",
            case_title="存在空口令、弱口令、通用口令或无身份鉴别措施" if n == 0 else "",
        )
        for n, r in enumerate(failing[:3])
    ]
    computed = score(
        [ItemResult(unit=r.unit, obj=r.obj, result=Result(r.result)) for r in results],
        scheme="2025",
        catalogue=cat,
        major_risks=1,
        level=3,
    )
    return ReportInput(
        report_number="DEMO-26-01",
        report_date=dt.date(2026, 3, 31),
        agency=Party("江城安测信息安全技术有限公司（演示）", "江城市科技路 8 号"),
        client=Party("江城市第一医院（演示）", "江城市人民路 1 号"),
        system_name="医院信息系统（HIS）",
        system_code="HIS",
        level=3,
        sa="S3A3",
        system_description="门诊挂号、收费、药房、住院管理等核心业务。",
        assessment_name="HIS 等级测评（演示）",
        round_label="初测",
        started=dt.date(2026, 3, 2),
        finished=dt.date(2026, 3, 20),
        score=computed,
        objects=OBJECTS,
        results=results,
        problems=problems,
        major_risks=(MajorRiskEntry("演示重大风险隐患", "由高风险问题构成。", False, ("演示问题 0",)),),
        assessors=("测评师甲", "测评师乙"),
        reviewer="审核员丙",
    )
