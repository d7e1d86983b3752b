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
from django.db.models import QuerySet
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


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    """The actor's own tokens, newest first, revoked ones included (they show as revoked)."""
    return ApiToken.objects.filter(user=actor).order_by("-created_at")


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
