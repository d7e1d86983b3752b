"""SLA days per severity and the due date of a finding: first seen + the severity's days."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import SlaPolicy


def days_for(project) -> dict[str, int]:
    policy = SlaPolicy.objects.filter(project=project).first()
    return policy.days() if policy else dict(SlaPolicy.DEFAULTS)


def warn_days_for(project) -> int:
    policy = SlaPolicy.objects.filter(project=project).first()
    return policy.warn_days if policy else 7


def due(first_seen: dt.datetime, severity: str, days: dict[str, int]) -> dt.date | None:
    """The last day to fix it; None for 信息 (no deadline)."""
    if severity not in days:
        return None
    return timezone.localdate(first_seen) + dt.timedelta(days=days[severity])
