"""Reads of the inbox: a person sees only their own notices."""

from __future__ import annotations

from django.db.models import QuerySet

from dengbao.accounts.models import User

from .models import Notice


def unread_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_list(*, actor: User, limit: int = 100) -> QuerySet[Notice]:
    """The actor's latest notices, unread first."""
    rows = Notice.objects.filter(recipient=actor).select_related("project")
    return rows.order_by("read_at", "-created_at", "-pk")[:limit]
