"""Objects of a project for the scanning tests and the authorisation matrix."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dengbao.accounts.roles import ProjectRole


def authorisation(world, **overrides):
    from dengbao.scanning.authorisation_services import authorisation_create

    existing = world.project.authorisations.first()
    if existing is not None and not overrides:
        return existing
    now = timezone.now()
    values = dict(
        title="漏洞扫描授权书（测试）",
        signer="刘信息科",
        signed_on=now.date(),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=90),
        techniques=["discovery", "vuln_scan", "web_scan", "pentest"],
        cidrs=["127.0.0.0/8", "10.20.1.0/24"],
        ports="1-65535",
    )
    values.update(overrides)
    return authorisation_create(actor=world.members[ProjectRole.MANAGER], project=world.project, **values)


def finding(world):
    from dengbao.scanning.finding_models import Finding
    from dengbao.scanning.finding_services import finding_create

    return Finding.objects.filter(project=world.project).first() or finding_create(
        actor=world.members[ProjectRole.ASSESSOR],
        project=world.project,
        title="弱口令（测试）",
        severity="高",
        host="10.20.1.10",
        port=22,
    )


def pentest(world):
    from dengbao.scanning.models import PenTest

    return world.project.pentests.first() or PenTest.objects.create(
        project=world.project,
        authorisation=authorisation(world),
        title="渗透测试（测试）",
        started_on=dt.date(2026, 1, 5),
    )


def scan(world):
    from dengbao.scanning.models import Scan

    return world.project.scans.first() or Scan.objects.create(
        project=world.project,
        authorisation=authorisation(world),
        targets="127.0.0.1",
        status=Scan.Status.DONE,
    )
