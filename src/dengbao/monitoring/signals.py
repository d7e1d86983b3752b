"""What monitoring tells the rest of the platform, without importing who listens."""

from __future__ import annotations

from django.dispatch import Signal

# A firing alert whose rule asks for a ticket, and whose incident has none yet; keywords
# ``incident``, ``rule`` and ``message`` (core.monitor.alerts.AlertMessage). engagements opens the
# emergency-response ticket (engagements.alert_tickets, connected in EngagementsConfig.ready).
ticket_wanted = Signal()
