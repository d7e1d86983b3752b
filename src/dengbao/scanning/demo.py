"""The scanning part of the demo (演示数据): the hospital's signed authorisation and one quarterly scan.

The authorisation lists 127.0.0.0/8 besides the hospital's (fictional) networks so that
``dengbao scan run --project demo --targets 127.0.0.1`` works on the demo machine itself.
The scan is the importers' hand-written hospital sample, imported as the assessor would.
Idempotent: nothing happens when the project already has an authorisation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

SAMPLE = Path(__file__).parent / "data" / "hospital-quarterly.nessus"


def load(project, report) -> None:
    from dengbao.accounts.models import User

    from . import authorisation_services, finding_services, import_services
    from .finding_models import Finding, State

    if project.authorisations.exists():
        return
    pm, assessor = User.objects.get(username="pm"), User.objects.get(username="assessor")
    hospital = User.objects.get(username="hospital")
    now = timezone.now()
    auth = authorisation_services.authorisation_create(
        actor=pm,
        project=project,
        title="江城市第一医院漏洞扫描、渗透测试与登录核查授权书（演示）",
        signer="刘信息科（江城市第一医院信息科）",
        signed_on=dt.date(2019, 11, 26),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=365),
        # 登录核查: the hospital also consents to live collection over SSH (dengbao collect ssh)
        techniques=["discovery", "vuln_scan", "web_scan", "pentest", "config_check"],
        cidrs=["127.0.0.0/8", "10.20.1.0/24", "2001:db8:10::/64"],
        hosts=["pacs.hospital.local"],
        urls=["https://www.jcdyyy.example.cn/"],
        ports="1-65535",
    )
    system = project.systems.filter(code="HIS").first()
    imp = import_services.import_scan(
        actor=assessor,
        project=project,
        fmt="nessus",
        path=SAMPLE,
        system=system,
        filename="2024Q1-院内主机扫描.nessus",
    )
    ms17 = Finding.objects.filter(project=project, rule_id="97833").first()
    if ms17 is not None:
        finding_services.finding_transition(
            actor=assessor, finding=ms17, to=State.CONFIRMED, note="演示数据：已人工验证"
        )
        finding_services.finding_assign(actor=assessor, finding=ms17, owner=hospital)
        finding_services.finding_comment(
            actor=hospital, finding=ms17, text="演示数据：已联系厂商，计划本周末停机打补丁"
        )
    report.created.append(f"authorisation {auth.title}; scan import: {imp.created} findings")
