"""The 漏洞扫描报告 of one scan-report import (or a scan run by the platform), from the findings records."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.documents import scan_report as sr
from dengbao.core.documents import scan_report_template
from dengbao.core.importers.model import Finding, ServiceObservation, Severity

from .base import SCAN_IMPORT, DocumentKind, Draft


def scan_input(*, actor: User, project: Project, import_id: int) -> sr.ScanReportInput:
    from dengbao.scanning.finding_models import Finding as FindingRecord
    from dengbao.scanning.finding_models import State
    from dengbao.scanning.inventory_models import Service
    from dengbao.scanning.models import Import

    permissions.require(actor, "project.view_internal", project)
    record = (
        Import.objects.filter(project=project, pk=import_id).select_related("scan__authorisation").first()
    )
    if record is None:
        raise Http404("import not found")
    rows = FindingRecord.objects.filter(project=project, last_import=record).exclude(
        state=State.FALSE_POSITIVE
    )
    findings = [_finding(f) for f in rows]
    states = {f.dedup_key: f.get_state_display() for f in rows if f.state != State.OPEN}
    hosts = {f.host for f in findings if f.host}
    services_seen = [
        ServiceObservation(
            host=s.asset.host,
            port=s.port,
            protocol=s.protocol,
            state=s.state,
            hostname=s.asset.hostname,
            service=s.service,
            product=s.product,
            version=s.version,
        )
        for s in Service.objects.filter(asset__project=project, asset__host__in=hosts).select_related("asset")
    ]
    scan = record.scan
    authorisation = scan.authorisation if scan else project.authorisations.order_by("-signed_on").first()
    started = scan.started_at if scan and scan.started_at else record.created_at
    return sr.ScanReportInput(
        title=(scan.name if scan and scan.name else f"{record.filename} 漏洞扫描"),
        client=project.client.name,
        agency=project.provider.name,
        report_date=timezone.localdate(),
        started=timezone.localtime(started),
        finished=timezone.localtime(scan.finished_at) if scan and scan.finished_at else None,
        tools=[(scan.engine_used or scan.engine) if scan else record.fmt],
        targets=scan.targets if scan else "、".join(sorted(hosts)) or "—",
        authorisation=(
            f"{authorisation.title}（{authorisation.signer}，{authorisation.signed_on:%Y-%m-%d} 签署，"
            f"有效至 {timezone.localtime(authorisation.valid_until):%Y-%m-%d}）"
            if authorisation
            else "—"
        ),
        findings=findings,
        services=services_seen,
        states=states,
    )


def prepare(*, actor: User, project: Project, import_id: int) -> Draft:
    data = scan_input(actor=actor, project=project, import_id=import_id)
    return Draft(
        data=data,
        filename=f"漏洞扫描报告-{import_id}.docx",
        note=data.title[:200],
        stored={"import": import_id, "findings": len(data.findings), "title": data.title},
    )


KIND = DocumentKind(
    name="scan_report",
    label=_("漏洞扫描报告"),
    prepare=prepare,
    render=sr.render_scan_report,
    params=(SCAN_IMPORT,),
    templates=scan_report_template.TEMPLATES,
    order=80,
)


def _finding(f) -> Finding:
    return Finding(
        title=f.title,
        severity=Severity(f.severity),
        raw_severity=f.raw_severity,
        tool=f.tool,
        tool_rule_id=f.rule_id,
        dedup_key=f.dedup_key,
        host=f.host,
        hostname=f.hostname,
        port=f.port,
        protocol=f.protocol,
        url=f.url,
        parameter=f.parameter,
        service=f.service,
        cve=tuple(f.cve.split()),
        cvss_score=f.cvss_score,
        solution=f.solution,
    )
