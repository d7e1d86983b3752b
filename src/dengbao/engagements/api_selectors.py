"""Reads the REST API needs beyond the engagement pages' selectors, through the same permission layer."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from dengbao.accounts.models import User

from . import selectors
from .models import Contract
from .service_models import ServiceOccurrence


def occurrences_of_month(*, actor: User, contract: Contract, month: dt.date) -> QuerySet[ServiceOccurrence]:
    """The service occurrences falling due in ``month`` (any day of it), soonest first."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return selectors.occurrence_list(actor=actor, contract=contract).filter(
        due_on__gte=first, due_on__lt=following
    )
