"""The alert -> ticket hook: a monitoring alert whose rule asks for it opens an engagements ticket.

Here rather than in monitoring so that monitoring (a lower layer) does not import engagements: the
alert sends monitoring.signals.ticket_wanted and EngagementsConfig.ready connects ``on_ticket_wanted``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dengbao.core.monitor import alerts
from dengbao.monitoring.alert_models import AlertRule, Incident, IncidentEvent

from . import year_services
from .models import Contract


def on_ticket_wanted(
    sender, *, incident: Incident, rule: AlertRule, message: alerts.AlertMessage, **kwargs
) -> None:
    open_ticket(incident, rule, message)


def open_ticket(incident: Incident, rule: AlertRule, message: alerts.AlertMessage) -> int | None:
    """An engagements ticket (source 监测告警) for the incident, opened as the rule's author."""
    contract = Contract.objects.filter(project_id=incident.monitor.project_id).first()
    note = ""
    ticket = None
    if contract is None:
        note = "项目尚未登记合同，未开启工单"
    elif rule.created_by is None:
        note = "告警规则没有创建人，未开启工单"
    else:
        try:
            with transaction.atomic():
                ticket = year_services.ticket_open(
                    actor=rule.created_by,
                    contract=contract,
                    title=f"网站监测告警：{incident.monitor.name}"[:200],
                    kind="fault" if incident.kind == Incident.Kind.DOWN else "incident",
                    priority=rule.ticket_priority,
                    source="monitoring",
                    description=message.text(),
                    at=incident.opened_at,
                )
        except (ValidationError, PermissionDenied) as exc:
            note = f"未能开启工单：{exc}"
    if ticket is not None:
        incident.ticket = ticket
        incident.save(update_fields=["ticket"])
        note = f"已开启应急响应工单 #{ticket.number}"
    IncidentEvent.objects.create(incident=incident, at=dt.datetime.now(dt.UTC), kind="ticket", note=note)
    return ticket.pk if ticket else None
