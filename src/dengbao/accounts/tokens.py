"""Personal API tokens: ``dbk_<prefix>_<secret>``; only SHA-256 of the secret is stored.

The secret has 256 bits of entropy, so a fast hash is enough (no brute force can
reach it); the prefix finds the row without scanning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dengbao.audit import services as audit

from .models import ApiToken, User

TOKEN_PREFIX = "dbk"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, actor: User, name: str, days_valid: int | None = 90) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; the plain token is returned once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=days_valid) if days_valid else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name.strip()[:100] or "API",
            prefix=prefix,
            secret_hash=_hash(secret),
            expires_at=expires,
        )
        audit.record(
            actor=actor, action="token.create", obj=token, after={"name": token.name, "prefix": prefix}
        )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token. Its owner may; so may the security administrator."""
    from . import permissions

    if token.user_id != actor.pk:
        permissions.require(actor, "platform.security")
    with transaction.atomic():
        # Conditional update: two revocations racing record one event.
        now = timezone.now()
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            token.revoked_at = now
            audit.record(
                actor=actor, action="token.revoke", obj=token, details={"owner": token.user.get_username()}
            )
    return token


def tokens_revoke_all(*, user: User) -> list[str]:
    """Revoke every token of ``user`` still standing; their prefixes. The caller records the event."""
    standing = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    prefixes = sorted(standing.values_list("prefix", flat=True))
    ApiToken.objects.filter(user=user, prefix__in=prefixes, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return prefixes


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    """The actor's own tokens, newest first, revoked ones included (they show as revoked)."""
    return ApiToken.objects.filter(user=actor).order_by("-created_at")


def token_list_all(*, actor: User, owner: str = "", standing_only: bool = False) -> QuerySet[ApiToken]:
    """Every user's tokens, for the security administrator; ``owner`` filters by user name."""
    from . import permissions

    permissions.require(actor, "platform.security")
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
    if owner:
        tokens = tokens.filter(Q(user__username__icontains=owner) | Q(user__display_name__icontains=owner))
    if standing_only:
        tokens = tokens.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )
    return tokens


def token_get(*, actor: User, token_id: int | None = None, prefix: str = "") -> ApiToken:
    """A token the actor may revoke: their own, or anyone's for the security administrator.

    Another person's token is as good as missing (404) to everyone else.
    """
    from . import permissions

    lookup = {"pk": token_id} if token_id is not None else {"prefix": prefix}
    token = ApiToken.objects.filter(**lookup).select_related("user").first()
    if token is None or (token.user_id != actor.pk and not permissions.can(actor, "platform.security")):
        raise Http404("token not found")
    return token


def token_get_own(*, actor: User, token_id: int) -> ApiToken:
    """One of the actor's own tokens; another person's token is as good as missing (404)."""
    token = ApiToken.objects.filter(pk=token_id, user=actor).select_related("user").first()
    if token is None:
        raise Http404("token not found")
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user a presented token belongs to, or None."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.secret_hash, _hash(parts[2])):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
