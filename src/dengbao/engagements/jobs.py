"""Periodic work of the engagement: SLA warnings and breaches of open emergency tickets."""

from __future__ import annotations

from dengbao.audit import context
from dengbao.tasks import periodic

SLA_EVERY_SECONDS = 60  # a warning starts when a quarter of the target (15 of 60 minutes) remains


@periodic("engagements.sla_notifications", every_seconds=SLA_EVERY_SECONDS)
def sla_notifications() -> int:
    """Record (and send, when the project has channels) each new warning or breach; returns how many."""
    from .notification_services import sla_scan

    token = context.set_origin(context.Origin(channel="scheduler"))
    try:
        return len(sla_scan())
    finally:
        context.reset(token)
