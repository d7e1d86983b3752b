"""The year-of-services records as stored Word versions: one inspection visit, one emergency ticket."""

from __future__ import annotations

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.documents import monitoring_report, service_records
from dengbao.systems.documents import Made

from . import services
from .models import DocumentKind
from .selectors import active_template


def make_inspection_record(*, actor: User, project: Project, visit_id: int) -> Made:
    from dengbao.engagements.record_selectors import inspection_record

    permissions.require(actor, "project.view_internal", project)
    record = inspection_record(actor=actor, project=project, visit_id=visit_id)
    return _store(actor, project, DocumentKind.INSPECTION_RECORD, record,
                  f"安全巡检及加固记录-{record['visit']['visited_on']}-{visit_id}.docx",
                  service_records.render_inspection_record, service_records.INSPECTION_TEMPLATE)  # fmt: skip


def make_ticket_record(*, actor: User, project: Project, ticket_id: int) -> Made:
    from dengbao.engagements.record_selectors import ticket_record

    permissions.require(actor, "project.view_internal", project)
    record = ticket_record(actor=actor, project=project, ticket_id=ticket_id)
    return _store(actor, project, DocumentKind.TICKET_RECORD, record,
                  f"应急响应记录-{record['ticket']['number'] or ticket_id}.docx",
                  service_records.render_ticket_record, service_records.TICKET_TEMPLATE)  # fmt: skip


def make_monitoring_report(*, actor: User, project: Project, year: int, month: int) -> Made:
    from dengbao.monitoring.alert_models import Incident
    from dengbao.monitoring.selectors import availability_month

    permissions.require(actor, "project.view_internal", project)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError("请填写正确的年月，例如 2026-11")
    data = monitoring_report.MonitoringMonth(
        client=project.client.name,
        agency=project.provider.name,
        year=year,
        month=month,
        rows=availability_month(actor=actor, project=project, year=year, month=month),
        kinds={k: str(label) for k, label in Incident.Kind.choices},
    )
    template = active_template(
        organisation_id=getattr(actor, "organisation_id", None), kind="monitoring_report"
    )
    content = monitoring_report.render_monitoring_report(data, template=template)
    document = services.document_store(
        actor=actor,
        project=project,
        kind=DocumentKind.MONITORING_REPORT,
        filename=f"网站监测月报-{year}-{month:02d}.docx",
        content=content,
        template=template or monitoring_report.TEMPLATE,
        data={"year": year, "month": month, "rows": list(data.rows)},
    )
    return Made(document, content)


def _store(actor: User, project: Project, kind: str, record: dict, filename: str, render, shipped) -> Made:
    template = active_template(organisation_id=getattr(actor, "organisation_id", None), kind=kind)
    content = render(record, template=template)
    document = services.document_store(
        actor=actor,
        project=project,
        kind=kind,
        filename=filename,
        content=content,
        template=template or shipped,
        data=record,
    )
    return Made(document, content)
