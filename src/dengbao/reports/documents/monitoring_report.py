"""网站监测月报 of one month: each monitored site's availability, response time and incidents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dengbao.core.documents import monitoring_report as core
from dengbao.core.documents.kinds import TemplateKind

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


def _sample() -> dict:
    from dengbao.core.documents.report_samples import sample_monitoring_month

    return core.monitoring_context(sample_monitoring_month())


KIND = DocumentKind(
    name="monitoring_report",
    label=_("网站监测月报"),
    prepare=prepare,
    render=core.render_monitoring_report,
    params=(MONTH,),
    templates=(
        TemplateKind("monitoring_report", "网站监测月报", core.TEMPLATE, _sample, pictures=("uptime_chart",)),
    ),
    order=110,
)
