"""Periodic housekeeping for accounts."""

from django.contrib.sessions.models import Session
from django.utils import timezone

from dengbao.tasks import periodic

from .sessions import sessions_forget_ended


@periodic("accounts.clear_expired_sessions", every_seconds=3600)
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    sessions_forget_ended()
    return deleted
