"""网站监测月报 of one month: each monitored site's availability, response time and incidents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import monitoring_report as core
from dengbao.core.documents import service_records_template

from .base import MONTH, DocumentKind, Draft


def prepare(*, actor, project, year: int, month: int) -> Draft:
    from dengbao.monitoring.alert_models import Incident
    from dengbao.monitoring.selectors import availability_month

    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError("请填写正确的年月，例如 2026-11")
    data = core.MonitoringMonth(
        client=project.client.name,
        agency=project.provider.name,
        year=year,
        month=month,
        rows=availability_month(actor=actor, project=project, year=year, month=month),
        kinds={k: str(label) for k, label in Incident.Kind.choices},
    )
    return Draft(
        data=data,
        filename=f"网站监测月报-{year}-{month:02d}.docx",
        stored={"year": year, "month": month, "rows": list(data.rows)},
    )


KIND = DocumentKind(
    name="monitoring_report",
    label=_("网站监测月报"),
    prepare=prepare,
    render=core.render_monitoring_report,
    params=(MONTH,),
    templates=tuple(t for t in service_records_template.TEMPLATES if t.key == "monitoring_report"),
    order=110,
)
