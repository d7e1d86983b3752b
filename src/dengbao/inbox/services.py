"""Writes of the inbox: notices are created by other apps' services, read by their recipient."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from dengbao.accounts.models import Membership, Project, User
from dengbao.accounts.roles import ProjectRole
from dengbao.audit import services as audit

from .models import Notice


def managers(project: Project) -> list[User]:
    """The project's managers: who hears of tickets, acceptances and incidents."""
    return [
        m.user
        for m in Membership.objects.filter(project=project, role=ProjectRole.MANAGER, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    ]


def notify(
    recipients: Iterable[User], *, kind: str, subject: str, link: str = "", project: Project | None = None
) -> list[Notice]:
    """One notice per recipient (each once, the actor of the event included only if listed)."""
    if kind not in Notice.Kind.values:
        raise ValueError(f"unknown notice kind {kind!r}")
    unique = {user.pk: user for user in recipients if user is not None}
    return Notice.objects.bulk_create(
        Notice(recipient=user, project=project, kind=kind, subject=subject[:300], link=link[:300])
        for user in unique.values()
    )


def mark_read(*, actor: User, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notices read (all unread ones when no ids are given); audited once."""
    rows = Notice.objects.filter(recipient=actor, read_at__isnull=True)
    if notice_ids is not None:
        rows = rows.filter(pk__in=list(notice_ids))
    with transaction.atomic():
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            return 0
        Notice.objects.filter(pk__in=ids).update(read_at=timezone.now())
        audit.record(
            actor=actor, action="notice.read", obj=actor, details={"notices": ids[:100], "count": len(ids)}
        )
    return len(ids)
