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
        actor=None, name=CLIENT, kind=OrganisationKind.CLIENT, address="江城市人民路 1 号（演示数据）"
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


STEPS: list[Callable[[DemoReport], None]] = [step_organisations_and_project, step_users, step_systems]


def load(progress: Callable[[str], None] | None = None) -> DemoReport:
    report = DemoReport()
    for step in STEPS:
        if progress:
            progress(step.__name__)
        with transaction.atomic():
            step(report)
    return report
