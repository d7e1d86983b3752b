"""What a scan run tells the rest of the platform when it ends, without importing who listens."""

from __future__ import annotations

from django.dispatch import Signal

# A run of a scan plan finished with status DONE; keyword ``scan``. engagements.scan_plans marks the
# contract's service occurrence it performed (connected in EngagementsConfig.ready).
plan_run_done = Signal()
