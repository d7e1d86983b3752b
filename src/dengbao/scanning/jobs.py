"""Periodic work of the scanning app: recurring scans and expired risk acceptances."""

from __future__ import annotations

from dengbao.tasks import periodic


@periodic("scanning.recurring_scans", every_seconds=300)
def recurring_scans() -> None:
    from .scan_services import scans_due

    scans_due()


@periodic("scanning.expire_acceptances", every_seconds=3600)
def expire_acceptances() -> None:
    from .finding_services import acceptances_expire

    acceptances_expire()
