"""Periodic work of the scanning app: recurring scans and expired risk acceptances."""

from __future__ import annotations

import datetime as dt

from dengbao.tasks import periodic


@periodic("scanning.recurring_scans", every_seconds=300)
def recurring_scans(now: dt.datetime | None = None) -> int:
    """Runs of recurring scans and of the scan plans that are due at ``now`` (default: now)."""
    from .scan_services import scans_due

    return scans_due(now)


@periodic("scanning.expire_acceptances", every_seconds=3600)
def expire_acceptances() -> None:
    from .finding_services import acceptances_expire

    acceptances_expire()
