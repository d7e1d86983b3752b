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


def sample_scan_input():
    """A small fictional scan (演示数据): findings of every level on two hosts, a web finding, open ports."""
    from ..importers.model import Finding, ServiceObservation, Severity, dedup_key
    from .scan_report import ScanReportInput

    def finding(title: str, severity: Severity, host: str, port: int | None, **extra) -> Finding:
        rule = extra.pop("rule", title)
        key = dedup_key("演示", rule, host, port or "")
        return Finding(
            title=title, severity=severity, raw_severity=severity.value, tool="演示", tool_rule_id=rule,
            dedup_key=key, host=host, port=port, protocol="tcp" if port else "", **extra,
        )  # fmt: skip

    findings = (
        finding(
            "OpenSSH 远程代码执行漏洞（演示）",
            Severity.CRITICAL,
            "10.0.0.10",
            22,
            cve=("CVE-2024-6387",),
            cvss_score=8.1,
            solution="升级 OpenSSH 至厂商修复版本。",
        ),
        finding(
            "弱口令（演示）", Severity.HIGH, "10.0.0.11", 3306, solution="修改为复杂口令并限制来源地址。"
        ),
        finding(
            "TLS 1.0 已启用（演示）", Severity.MEDIUM, "10.0.0.10", 443, solution="仅启用 TLS 1.2 及以上。"
        ),
        finding(
            "TLS 1.0 已启用（演示）", Severity.MEDIUM, "10.0.0.11", 443, solution="仅启用 TLS 1.2 及以上。"
        ),
        finding(
            "缺少 X-Frame-Options 响应头（演示）",
            Severity.LOW,
            "10.0.0.10",
            None,
            url="https://portal.example.org/",
            parameter="",
        ),
        finding("开放端口信息（演示）", Severity.INFO, "10.0.0.11", 80),
    )
    services = (
        ServiceObservation(
            host="10.0.0.10",
            port=22,
            protocol="tcp",
            state="open",
            service="ssh",
            product="OpenSSH",
            version="8.9",
        ),
        ServiceObservation(host="10.0.0.10", port=443, protocol="tcp", state="open", service="https"),
        ServiceObservation(host="10.0.0.11", port=3306, protocol="tcp", state="open", service="mysql"),
    )
    return ScanReportInput(
        title="2026 年第一季度漏洞扫描（演示）",
        client="江城市第一医院（演示）",
        agency="江城安测信息安全技术有限公司（演示）",
        report_date=dt.date(2026, 3, 31),
        started=dt.datetime(2026, 3, 20, 9, 0),
        finished=dt.datetime(2026, 3, 20, 11, 30),
        tools=("内置扫描引擎",),
        targets="10.0.0.0/24；https://portal.example.org/",
        authorisation="授权书（演示）：有效期 2026-01-01 至 2026-12-31",
        findings=findings,
        services=services,
        states={findings[1].dedup_key: "已确认"},
    )


_CONTRACT = {
    "project": {"slug": "demo", "name": "等级保护测评与安全服务（演示）"},
    "contract": {
        "number": "演示-2019-001",
        "title": "等级保护测评服务合同（演示）",
        "client": "江城市第一医院（演示）",
        "provider": "江城安测信息安全技术有限公司（演示）",
    },
}


def sample_inspection_record() -> dict:
    """The shape of engagements.record_selectors.inspection_record, with fictional values (演示数据)."""
    results = [
        {
            "category": "补丁",
            "item": "操作系统补丁是否为最新",
            "expected": "无高危缺失补丁",
            "outcome": "abnormal",
            "outcome_label": "异常",
            "note": "缺少 2 个高危补丁（演示）",
            "evidence": [],
        },
        {
            "category": "账户",
            "item": "是否存在多余或共享账户",
            "expected": "无",
            "outcome": "normal",
            "outcome_label": "正常",
            "note": "",
            "evidence": [],
        },
    ]
    return {
        **_CONTRACT,
        "visit": {
            "id": 1,
            "visited_on": "2020-03-31",
            "inspector": "李测评",
            "participants": "刘信息科",
            "summary": "演示数据：整体运行正常，补丁需更新。",
            "finished_at": "2020-03-31 17:00",
            "occurrence": {"title": "第一季度安全巡检", "due_on": "2020-03-31"},
        },
        "objects": [
            {
                "type": "服务器/操作系统",
                "name": "HIS-DB01",
                "system": "HIS",
                "results": results,
                "counts": {"normal": 1, "abnormal": 1, "not_checked": 0},
                "automated_results": {},
            }
        ],
        "counts": {"normal": 1, "abnormal": 1, "not_checked": 0},
        "hardening": [
            {
                "id": 1,
                "title": "安装缺失的高危补丁",
                "measure": "linux.patch",
                "manual_part": "Linux 服务器",
                "object": "服务器/操作系统 HIS-DB01",
                "item": "操作系统补丁是否为最新",
                "status": "done",
                "status_label": "已完成",
                "steps": [
                    {
                        "position": 1,
                        "text": "备份系统",
                        "done_at": "2020-04-01 10:00",
                        "done_by": "李测评",
                        "note": "",
                    }
                ],
                "verify_method": "复查补丁列表",
                "done_by": "李测评",
                "done_at": "2020-04-01 11:00",
                "verification": "已无缺失补丁",
                "verified_by": "王项目",
                "verified_at": "2020-04-02 09:00",
            }
        ],
    }


def sample_ticket_record() -> dict:
    """The shape of engagements.record_selectors.ticket_record, with fictional values (演示数据)."""
    return {
        **_CONTRACT,
        "ticket": {
            "id": 1,
            "number": "YJ-2020-001",
            "title": "门户网站无法访问（演示）",
            "kind": "outage",
            "kind_label": "系统故障",
            "priority": "P1",
            "source": "phone",
            "source_label": "电话",
            "status": "closed",
            "status_label": "已关闭",
            "description": "演示数据：门户首页返回 502。",
            "systems": ["WEB"],
            "on_site_required": True,
            "opened_by": "刘信息科",
            "opened_at": "2020-02-10 08:30",
            "assignee": "李测评",
            "closing_report": "演示数据：反向代理配置错误，已修正并恢复。",
        },
        "timeline": [
            {"at": "2020-02-10 08:30", "kind": "opened", "kind_label": "报告", "by": "刘信息科", "note": ""},
            {
                "at": "2020-02-10 08:50",
                "kind": "responded",
                "kind_label": "响应",
                "by": "李测评",
                "note": "电话确认现象",
            },
        ],
        "clocks": [
            {
                "target": "response",
                "target_label": "响应",
                "limit_minutes": 60,
                "elapsed_minutes": 20,
                "state": "met",
                "state_label": "已满足",
                "breached_at": "",
                "stopped_at": "2020-02-10 08:50",
            }
        ],
        "breached": False,
        "notifications": [],
    }


def sample_monitoring_month():
    """Two fictional sites (演示数据) for one month, one with incidents."""
    from .monitoring_report import MonitoringMonth

    rows = (
        {"monitor_id": 1, "name": "医院门户网站（演示）", "url": "https://www.example.org/", "checks": 43200,
         "up": 43150, "uptime_percent": 99.884, "avg_response_ms": 182.5, "incidents": 2,
         "incidents_by_kind": {"down": 1, "changed": 1}, "downtime_minutes": 50.0},
        {"monitor_id": 2, "name": "互联网医院（演示）", "url": "https://ih.example.org/", "checks": 43200,
         "up": 43200, "uptime_percent": 100.0, "avg_response_ms": 240.0, "incidents": 0,
         "incidents_by_kind": {}, "downtime_minutes": 0.0},
    )  # fmt: skip
    return MonitoringMonth(
        client="江城市第一医院（演示）",
        agency="江城安测信息安全技术有限公司（演示）",
        year=2026,
        month=3,
        rows=rows,
        kinds={"down": "不可用", "changed": "页面变化/篡改", "tls": "证书问题", "failed": "检查失败"},
    )
