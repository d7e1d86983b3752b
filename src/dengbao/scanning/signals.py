"""What a scan run tells the rest of the platform when it ends, without importing who listens."""

from __future__ import annotations

from django.dispatch import Signal

# A run of a scan plan finished with status DONE; keyword ``scan``. plan_services marks the contract's
# service occurrence it performed (connected in ScanningConfig.ready).
plan_run_done = Signal()
