"""The demo engagement of shared/domain/SCENARIO.md, with fictional names (演示数据).

Every step is idempotent: running ``dengbao demo`` twice changes nothing the second
time. Later capabilities append their own steps to ``STEPS``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

DEMO_SLUG = "demo"
PROVIDER = "江城安测信息安全技术有限公司"
CLIENT = "江城市第一医院"

# username, display name, side, platform role, project role
DEMO_USERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("pm", "王项目（项目经理）", "provider", "", "manager"),
    ("assessor", "李测评（测评师）", "provider", "", "assessor"),
    ("assessor2", "赵测评（测评师）", "provider", "", "assessor"),
    ("reviewer", "陈审核（审核员）", "provider", "", "reviewer"),
    ("hospital", "刘信息科（客户联系人）", "client", "", "client"),
    ("secadmin", "周安全（安全管理员）", "provider", "secadmin", ""),
    ("auditor", "吴审计（审计管理员）", "provider", "auditadmin", ""),
)

# code, name, proposed level, description
DEMO_SYSTEMS: tuple[tuple[str, str, int, str], ...] = (
    ("HIS", "医院信息系统（HIS）", 3, "门急诊挂号、收费、药房、住院管理等核心业务"),
    ("EMR", "电子病历系统（EMR）", 3, "住院与门诊电子病历的书写、质控与归档"),
    ("LIS", "实验室信息系统（LIS）", 3, "检验申请、标本流转、结果审核与报告"),
    ("IH", "互联网医院", 3, "在线问诊、复诊续方、预约与移动支付（按卫生健康行业规定须定为第三级）"),
    ("OA", "办公自动化系统（OA）", 2, "公文流转、通知公告、内部审批"),
    ("WEB", "门户网站", 2, "医院对外信息发布与就医指南"),
)


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)


def _password() -> str:
    from dengbao.accounts.services import generate_password

    return os.environ.get("DENGBAO_DEMO_PASSWORD") or generate_password()


def step_organisations_and_project(report: DemoReport) -> None:
    from dengbao.accounts import services
    from dengbao.accounts.models import Organisation, Project
    from dengbao.accounts.roles import OrganisationKind

    provider = Organisation.objects.filter(name=PROVIDER).first() or services.organisation_create(
        actor=None, name=PROVIDER, kind=OrganisationKind.PROVIDER, address="江城市高新区（演示数据）"
    )
    client = Organisation.objects.filter(name=CLIENT).first() or services.organisation_create(
        actor=None,
        name=CLIENT,
        kind=OrganisationKind.CLIENT,
        address="江城市人民路 1 号（演示数据）",
        credit_code="12440100MB0000000D",  # fictional
    )
    if not Project.objects.filter(slug=DEMO_SLUG).exists():
        services.project_create(
            actor=None,
            slug=DEMO_SLUG,
            name="江城市第一医院网络安全等级保护测评及安全服务项目（演示）",
            client=client,
            provider=provider,
            start_date=dt.date(2019, 11, 26),
            description=(
                "合同总价 ¥296,000.00：HIS/EMR/LIS、互联网医院（三级），OA、门户网站（二级），一年安全服务。"
            ),
        )
        report.created.append(f"project {DEMO_SLUG}")


def step_users(report: DemoReport) -> None:
    from dengbao.accounts import services
    from dengbao.accounts.models import Organisation, Project, User

    project = Project.objects.get(slug=DEMO_SLUG)
    orgs = {"provider": project.provider, "client": project.client}
    for username, display, side, platform_role, project_role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = _password()
            user = services.user_create(
                actor=None,
                username=username,
                password=password,
                organisation=orgs[side],
                display_name=display,
                platform_role=platform_role,
            )
            report.credentials[username] = password
            report.created.append(f"user {username}")
        if project_role and not project.memberships.filter(user=user).exists():
            services.membership_set(actor=None, project=project, user=user, role=project_role)
    assert Organisation.objects.filter(pk=project.client_id).exists()


def step_agency_profile(report: DemoReport) -> None:
    """The provider's 测评机构 code (in every report number) and contact (演示数据, fictional)."""
    from dengbao.accounts.models import Project
    from dengbao.reports.models import AgencyProfile
    from dengbao.reports.services import agency_profile_save

    provider = Project.objects.get(slug=DEMO_SLUG).provider
    if AgencyProfile.objects.filter(organisation=provider).exists():
        return
    agency_profile_save(
        actor=None,
        organisation=provider,
        agency_code="0123",
        contact_name="王项目（演示）",
        contact_phone="020-00000001",
        contact_email="service@example.com",
    )
    report.created.append("agency profile")


def step_systems(report: DemoReport) -> None:
    from dengbao.accounts.models import Project
    from dengbao.systems import services

    project = Project.objects.get(slug=DEMO_SLUG)
    for code, name, level, description in DEMO_SYSTEMS:
        if not project.client.systems.filter(name=name).exists():
            services.system_create(
                actor=None,
                organisation=project.client,
                project=project,
                name=name,
                code=code,
                proposed_level=level,
                description=description,
            )
            report.created.append(f"system {code}")


# code -> (business harms, service harms, technology types, final state, certificate number or "")
DEMO_GRADINGS: dict[str, tuple[str, str, list[str], str, str]] = {
    "HIS": ("社会秩序、公共利益:严重", "社会秩序、公共利益:严重", [], "graded", "演示-44010020001-20001"),
    "EMR": ("社会秩序、公共利益:严重", "社会秩序、公共利益:严重", [], "graded", "演示-44010020001-20002"),
    "LIS": ("社会秩序、公共利益:严重", "社会秩序、公共利益:一般", [], "graded", "演示-44010020001-20003"),
    "IH": ("社会秩序、公共利益:严重", "合法权益:严重", ["cloud", "mobile"], "graded", ""),
    "OA": ("合法权益:严重", "合法权益:严重", [], "graded", "演示-44010020001-20004"),
    "WEB": ("社会秩序、公共利益:一般", "社会秩序、公共利益:一般", [], "graded", "演示-44010020001-20005"),
}


def step_unit_profile(report: DemoReport) -> None:
    from dengbao.accounts.models import Project
    from dengbao.systems.models import UnitProfile

    project = Project.objects.get(slug=DEMO_SLUG)
    if UnitProfile.objects.filter(organisation=project.client).exists():
        return
    UnitProfile.objects.create(
        organisation=project.client,
        province="演示省",
        prefecture="江城市",
        county="中心区",
        postcode="510000",
        region_code="440100",
        head_name="张院长（演示）",
        head_title="院长",
        head_phone="020-00000000",
        department="信息科",
        contact_name="刘信息科（演示）",
        contact_title="科长",
        contact_mobile="13800000000",
        contact_email="it@example.org",
        affiliation="3",
        unit_type="3",
        industry="卫生健康",
    )
    report.created.append("unit profile")


def step_grading(report: DemoReport) -> None:
    """Grade the six systems as in the contract, with review records and filing (fictional 演示数据)."""
    from dengbao.accounts.models import Project, User
    from dengbao.core.grading import parse_harms
    from dengbao.core.grading_workflow import State
    from dengbao.systems import services

    project = Project.objects.get(slug=DEMO_SLUG)
    pm = User.objects.get(username="pm")
    for system in project.systems.all():
        if system.code not in DEMO_GRADINGS or system.gradings.exists():
            continue
        business, service, tech, final, certificate = DEMO_GRADINGS[system.code]
        fields = {
            "technology_types": tech,
            "business_type": "5" if system.code in ("IH", "WEB") else "3",
            "service_scope": "30",
            "service_audience": "3" if system.code in ("IH", "WEB") else "1",
            "deployment_scope": "1" if system.code not in ("IH", "WEB") else "9",
            "network_nature": "2" if system.code in ("IH", "WEB") else "1",
            "go_live": dt.date(2016, 6, 1),
            "department": "信息科",
            "responsible_subject": f"{project.client.name}（演示数据），信息科负责日常运行维护。",
            "composition": f"{system.name}由应用服务器、数据库服务器、网络与安全设备组成（演示数据）。",
            "carried_business": system.description,
            "carried_data": "患者基本信息、诊疗数据与业务记录（演示数据）。",
            "security_responsibility": "医院主要负责人为网络安全第一责任人，信息科承担具体安全管理职责。",
        }
        if system.code == "IH":
            fields |= {"sector_minimum_level": 3, "sector_rule": "互联网医院按卫生健康行业规定"}
        services.system_update(actor=pm, project=project, system=system, **fields)
        personal = system.code not in ("OA", "WEB")
        services.data_category_save(
            actor=pm, project=project, system=system,
            name="患者诊疗数据" if personal else "业务与办公数据",
            data_level="important" if personal else "general", personal_info=personal,
            volume="2.5 TB" if personal else "300 GB", monthly_growth="40 GB" if personal else "2 GB",
            source="门诊与住院业务" if personal else "院内各科室", recipients="医保平台" if personal else "",
            storage="院内机房", inside_china=True,
        )  # fmt: skip

        def harms(spec: str) -> list[dict[str, str]]:
            return [
                {"object": h.obj.value, "degree": h.degree.value, "justification": "演示数据"}
                for h in parse_harms(spec)
            ]

        grading = services.grading_save_draft(
            actor=pm,
            project=project,
            system=system,
            business_harms=harms(business),
            service_harms=harms(service),
            business_description=f"{system.name}处理的业务信息（演示数据）。",
            service_description=f"{system.name}提供的业务服务（演示数据）。",
        )
        grading = services.grading_transition(
            actor=pm, project=project, grading=grading, target=State.EXPERT_REVIEW
        )
        services.grading_record_step(
            actor=pm, project=project, grading=grading, review_date=dt.date(2019, 12, 10),
            review_experts=["周专家，网络安全高级工程师", "吴专家，医院信息化专家"],
            review_opinion="定级对象边界清晰，定级理由充分，同意拟定等级（演示数据）。",
        )  # fmt: skip
        grading = services.grading_transition(actor=pm, project=project, grading=grading, target=State.POLICE)
        if final == "graded":
            services.grading_record_step(
                actor=pm, project=project, grading=grading, police_bureau="江城市公安局网安支队（演示）",
                police_date=dt.date(2020, 1, 8),
            )  # fmt: skip
            grading = services.grading_transition(
                actor=pm, project=project, grading=grading, target=State.GRADED, today=dt.date(2020, 1, 8)
            )
            issued = {"certificate_number": certificate, "certificate_issued_on": dt.date(2020, 3, 2)}
            services.filing_record(
                actor=pm, project=project, system=system, grading=grading,
                bureau="江城市公安局网安支队（演示）",
                submitted_on=dt.date(2019, 12, 20), accepted_on=dt.date(2020, 1, 8) if certificate else None,
                assessments_completed=["2025-12-15"] if certificate and grading.level >= 3 else [],
                **(issued if certificate else {}),
            )  # fmt: skip
        report.created.append(f"grading {system.code}")


DEMO_OBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("机房", ("主机房", "灾备机房")),
    ("网络设备", ("核心交换机-1", "核心交换机-2", "汇聚交换机-1", "汇聚交换机-2", "出口路由器")),
    ("安全设备", ("边界防火墙-1", "边界防火墙-2", "入侵防御系统", "Web应用防火墙", "运维堡垒机",
              "日志审计系统", "数据库审计系统")),
    ("服务器/操作系统", ("HIS应用服务器-1", "HIS应用服务器-2", "HIS数据库服务器", "EMR应用服务器",
                     "EMR数据库服务器", "LIS服务器")),
    ("数据库管理系统", ("HIS-Oracle", "EMR-SQLServer", "LIS-MySQL")),
    ("中间件", ("HIS-WebLogic", "EMR-Tomcat")),
    ("业务应用系统", ("HIS", "EMR", "LIS")),
    ("终端", ("医生工作站", "护士工作站", "检验科工作站", "运维终端")),
    ("数据", ("患者诊疗数据", "鉴别数据")),
    ("管理文档", ("安全管理制度汇编", "运维与变更记录")),
    ("人员", ("信息科科长", "系统管理员", "安全管理员", "网络管理员", "机房管理员")),
)  # fmt: skip
# The 定级对象 an object serves (by system code); objects not named here are shared by every system
# of their assessment (machine rooms, the core network, security devices, management, people) and
# appear in the report of each.
DEMO_OBJECT_SYSTEMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("HIS应用服务器-1", "HIS应用服务器-2", "HIS数据库服务器", "HIS-Oracle", "HIS-WebLogic",
                     "HIS"), ("HIS",)),
    **dict.fromkeys(("EMR应用服务器", "EMR数据库服务器", "EMR-SQLServer", "EMR-Tomcat", "EMR"), ("EMR",)),
    **dict.fromkeys(("LIS服务器", "LIS-MySQL", "LIS", "检验科工作站"), ("LIS",)),
    **dict.fromkeys(("医生工作站", "护士工作站"), ("HIS", "EMR")),
    **dict.fromkeys(("OA服务器", "OA-MySQL", "OA系统"), ("OA",)),
    **dict.fromkeys(("门户网站服务器", "门户网站"), ("WEB",)),
}  # fmt: skip
DEMO_NOTES = {
    "符合": "演示数据：现场核查，配置与记录满足要求。",
    "部分符合": "演示数据：已采取措施，但覆盖不全或记录不完整。",
    "不符合": "演示数据：未采取相应措施。",
    "不适用": "演示数据：该对象不涉及此项。",
}


def step_assessment(report: DemoReport) -> None:
    """The combined HIS/EMR/LIS assessment (one on-site engagement, one report per system): 41 objects,
    each entered once and linked to the systems it serves, fully recorded with fictional results."""

    from dengbao.accounts.models import Project, User
    from dengbao.assessments import services

    project = Project.objects.get(slug=DEMO_SLUG)
    if project.assessments.exists():
        return
    pm, assessor = User.objects.get(username="pm"), User.objects.get(username="assessor")
    systems = list(project.systems.filter(code__in=["HIS", "EMR", "LIS"]).order_by("code"))
    assessment = services.assessment_create(
        actor=pm, project=project, name="HIS/EMR/LIS 等级测评（演示）", systems=systems
    )
    rnd = services.current_round(assessment)
    _record(assessment, rnd, DEMO_OBJECTS, seed=20191126)
    from dengbao.assessments import problem_services

    problem_services.problems_sync(actor=assessor, rnd=rnd)
    proposed = list(rnd.problems.filter(case_status="proposed").order_by("unit_id"))
    confirmed = []
    for problem in proposed[:3]:  # the assessor confirms a few matched high-risk cases
        confirmed.append(
            problem_services.case_confirm(
                actor=assessor, problem=problem, reason="演示数据：现场核实，未见缓解措施"
            )
        )
    for problem in proposed[3:]:  # the rest: mitigations found on site, with the reason
        problem_services.case_reject(
            actor=assessor,
            problem=problem,
            reason="演示数据：现场核实已有缓解措施（如访问限制在内网、已部署补偿性控制），不构成高风险",
        )
    if confirmed:
        problem_services.major_risk_create(
            actor=assessor,
            rnd=rnd,
            title="演示数据：核心业务系统身份鉴别与访问控制薄弱",
            description="演示数据：由已确认的高风险问题构成。",
            problems=confirmed[:1],
        )
    _demo_remediation_and_retest(assessment, rnd)
    report.created.append(f"assessment {assessment.name}")


def _record(assessment, rnd, objects, *, seed: int) -> None:
    """Add the objects and record every result with fictional values (a fixed seed: the demo is the
    same on every machine)."""
    import random

    from dengbao.accounts.models import User
    from dengbao.assessments import services

    assessor = User.objects.get(username="assessor")
    rng = random.Random(seed)  # noqa: S311 - not for security
    choices, weights = ["符合", "部分符合", "不符合", "不适用"], [62, 20, 14, 4]
    by_code = {s.code: s for s in assessment.systems.all()}
    for kind, names in objects:
        for name in names:
            served = [by_code[c] for c in DEMO_OBJECT_SYSTEMS.get(name, ()) if c in by_code]
            obj = services.object_add(
                actor=assessor, assessment=assessment, kind=kind, name=name, systems=served
            )
            changes = [
                {
                    "record_id": record.pk,
                    "version": record.version,
                    "result": (value := rng.choices(choices, weights)[0]),
                    "note": DEMO_NOTES[value],
                    "methods": ["核查"],
                    "na_reason": "演示数据：对象不具备该功能" if value == "不适用" else "",
                }
                for record in obj.results.filter(round=rnd)
            ]
            services.results_apply(actor=assessor, rnd=rnd, changes=changes, source="demo")


# The two smaller assessments of the contract: 互联网医院 (level 3 with the cloud and mobile
# extensions) and the level-2 OA and portal, assessed together; each with a finalised 初测.
DEMO_OTHER_ASSESSMENTS: tuple[tuple[str, tuple[str, ...], int, tuple], ...] = (
    ("互联网医院 等级测评（演示）", ("IH",), 20191127, (
        ("机房", ("主机房",)),
        ("网络设备", ("互联网区交换机",)),
        ("安全设备", ("互联网区防火墙", "Web应用防火墙")),
        ("服务器/操作系统", ("IH应用服务器",)),
        ("数据库管理系统", ("IH-MySQL",)),
        ("业务应用系统", ("互联网医院平台",)),
        ("云平台", ("政务云平台",)),
        ("虚拟机", ("IH云主机",)),
        ("移动应用", ("掌上医院App",)),
        ("管理文档", ("互联网医院管理制度",)),
        ("人员", ("互联网医院运维人员",)),
    )),
    ("OA/门户网站 等级测评（演示）", ("OA", "WEB"), 20191128, (
        ("机房", ("主机房",)),
        ("网络设备", ("办公区交换机",)),
        ("安全设备", ("办公区防火墙",)),
        ("服务器/操作系统", ("OA服务器", "门户网站服务器")),
        ("数据库管理系统", ("OA-MySQL",)),
        ("业务应用系统", ("OA系统", "门户网站")),
        ("管理文档", ("办公网管理制度",)),
        ("人员", ("办公网管理员",)),
    )),
)  # fmt: skip


def step_other_assessments(report: DemoReport) -> None:
    from dengbao.accounts.models import Project, User
    from dengbao.assessments import problem_services, services

    project = Project.objects.get(slug=DEMO_SLUG)
    pm, assessor = User.objects.get(username="pm"), User.objects.get(username="assessor")
    for name, codes, seed, objects in DEMO_OTHER_ASSESSMENTS:
        if project.assessments.filter(name=name).exists():
            continue
        systems = list(project.systems.filter(code__in=codes).order_by("code"))
        assessment = services.assessment_create(actor=pm, project=project, name=name, systems=systems)
        rnd = services.current_round(assessment)
        _record(assessment, rnd, objects, seed=seed)
        problem_services.problems_sync(actor=assessor, rnd=rnd)
        _decide_cases(rnd, assessor)
        _waive_unscanned(rnd, pm)
        services.round_finalise(actor=pm, rnd=rnd)
        report.created.append(f"assessment {name}")


# Why a system was not scanned in its round (演示数据): the demo imports one quarterly scan, of the
# HIS hosts; every other system records the reason before its round can be finalised.
DEMO_WAIVERS = {
    "EMR": "演示数据：EMR 服务器处于病历归档迁移期，医院书面要求测评期间不对其开展主动扫描；"
    "已约定在下一季度漏洞扫描服务中补测，结果另行报送。",
    "LIS": "演示数据：LIS 服务器与检验仪器直连，厂商不支持在线扫描；已采用配置核查与补丁比对代替，"
    "并在季度漏洞扫描服务中安排停机窗口补测。",
    "IH": "演示数据：互联网医院部署于政务云，云平台方授权尚未签署，本轮未开展扫描与渗透测试；"
    "授权签署后在一个月内补测。",
    "OA": "演示数据：OA 系统本轮以配置核查代替漏洞扫描，扫描安排在季度漏洞扫描服务中。",
    "WEB": "演示数据：门户网站由网站监测服务持续检测，本轮未单独开展漏洞扫描；"
    "重点网站防护服务在节假日前开展应用扫描。",
}


def _waive_unscanned(rnd, pm) -> None:
    """Record the reason for each system of the round that has neither a scan nor a pen-test."""
    from dengbao.assessments import services

    for system in services.unverified_systems(rnd):
        services.verification_waive(
            actor=pm, rnd=rnd, system=system, reason=DEMO_WAIVERS.get(system.code, "演示数据：本轮未开展。")
        )


def _decide_cases(rnd, assessor) -> None:
    """The assessor decides every suggested high-risk case before the round is finalised."""
    from dengbao.assessments import problem_services

    for problem in rnd.problems.filter(case_status="proposed").order_by("unit_id"):
        problem_services.case_reject(
            actor=assessor,
            problem=problem,
            reason="演示数据：现场核实已有缓解措施（如访问限制在内网、已部署补偿性控制），不构成高风险",
        )


def _demo_remediation_and_retest(assessment, rnd) -> None:
    """The 初测 is finalised; then remediation tasks for the hospital, three of them done and verified,
    then a 复测 round (so the 初测 report keeps the problems it found, the 复测 shows them fixed)."""
    import datetime as dt

    from django.utils import timezone

    from dengbao.accounts.models import User
    from dengbao.assessments import problem_services, remediation_services, services

    pm, assessor = User.objects.get(username="pm"), User.objects.get(username="assessor")
    hospital = User.objects.get(username="hospital")
    _waive_unscanned(rnd, pm)
    services.round_finalise(actor=pm, rnd=rnd)
    due = timezone.localdate() + dt.timedelta(days=30)
    problems = list(rnd.problems.filter(risk__in=["高", "中"]).order_by("-risk", "unit_id")[:6])
    tasks = [
        remediation_services.task_create(
            actor=pm,
            problem=p,
            owner_id=hospital.pk,
            due_date=due,
            measure=f"演示数据：按整改建议处理 {p.unit_id}",
        )
        for p in problems
    ]
    for task in tasks[:3]:
        remediation_services.task_submit(actor=hospital, task=task, note="演示数据：已按要求整改，附配置截图")
        remediation_services.task_verify(
            actor=pm, task=task, decision="verified", note="演示数据：现场核验通过"
        )
    retest = services.retest_start(actor=pm, assessment=assessment)
    fixed_units = {t.problem.unit_id for t in tasks[:3]}
    changes = [
        {
            "record_id": r.pk,
            "version": r.version,
            "result": "符合",
            "note": "演示数据：复测时已整改到位。",
            "methods": ["核查"],
        }
        for r in retest.results.filter(unit_id__in=fixed_units).exclude(result__in=["符合", "不适用"])
    ]
    if changes:
        services.results_apply(actor=assessor, rnd=retest, changes=changes, source="demo retest")
    problem_services.problems_sync(actor=assessor, rnd=retest)


def step_engagement(report: DemoReport) -> None:
    from dengbao.accounts.models import Project
    from dengbao.engagements import demo

    demo.load(Project.objects.get(slug=DEMO_SLUG), report)


def step_scanning(report: DemoReport) -> None:
    from dengbao.accounts.models import Project
    from dengbao.scanning import demo

    demo.load(Project.objects.get(slug=DEMO_SLUG), report)


def step_monitoring(report: DemoReport) -> None:
    from dengbao.accounts.models import Project
    from dengbao.monitoring import demo

    demo.load(Project.objects.get(slug=DEMO_SLUG), report)


STEPS: list[Callable[[DemoReport], None]] = [
    step_organisations_and_project,
    step_users,
    step_agency_profile,
    step_systems,
    step_unit_profile,
    step_grading,
    step_scanning,  # the quarterly scan is imported before the assessment rounds are finalised
    step_assessment,
    step_other_assessments,
    step_engagement,
    step_monitoring,
]


def load(progress: Callable[[str], None] | None = None) -> DemoReport:
    report = DemoReport()
    for step in STEPS:
        if progress:
            progress(step.__name__)
        with transaction.atomic():
            step(report)
    return report
