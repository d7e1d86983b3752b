"""Ending a person's access: every session in the session store, and every API token.

A password change or reset, a two-factor reset and a deactivation call ``access_revoke``.
Sessions are found through ``UserSession`` (the session store cannot be searched by
user) and deleted through the configured engine, so the database, cache and
cached-database engines all lose them.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from dengbao.audit import services as audit

from .models import User, UserSession

# The session key this session was last recorded under; a cycled key no longer matches it.
_RECORDED = "_dengbao_session_recorded"


def _store(session_key: str | None = None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def session_remember(*, user: User, session: SessionBase) -> None:
    """Record the session's current key as the user's (called at login and after every key change)."""
    key = session.session_key
    if not key or session.get(_RECORDED) == key:
        return
    previous = session.get(_RECORDED)
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
    if previous:
        UserSession.objects.filter(session_key=previous).delete()
    session[_RECORDED] = key


def _forget_stale(user: User) -> None:
    """Drop rows whose session has gone (logged out, expired) so the index stays small."""
    store = _store()
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    gone = [key for key in keys if not store.exists(key)]
    if gone:
        UserSession.objects.filter(session_key__in=gone).delete()


def sessions_forget_ended() -> int:
    """Housekeeping (accounts/jobs.py): drop index rows of sessions that ended (logout, expiry)."""
    if settings.SESSION_ENGINE.endswith((".db", ".cached_db")):
        from django.contrib.sessions.models import Session

        ended = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key"))
        return ended.delete()[0]
    store = _store()
    gone = [key for key in UserSession.objects.values_list("session_key", flat=True) if not store.exists(key)]
    return UserSession.objects.filter(session_key__in=gone).delete()[0]


def sessions_end(*, user: User, keep: str | None = None) -> int:
    """Delete every session of ``user`` from the store except ``keep``; the number that existed."""
    keys = [
        key
        for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True)
        if key != keep
    ]
    ended = 0
    for key in keys:
        store = _store(key)
        if store.exists(key):
            ended += 1
        store.delete(key)
    UserSession.objects.filter(user=user, session_key__in=keys).delete()
    return ended


def access_revoke(*, actor: User | None, user: User, reason: str, keep_session: str | None = None) -> dict:
    """End the user's sessions (but ``keep_session``) and revoke all their API tokens; one audit event."""
    from .tokens import tokens_revoke_all

    with transaction.atomic():
        prefixes = tokens_revoke_all(user=user)
        ended = sessions_end(user=user, keep=keep_session)
        details = {"reason": reason, "sessions_ended": ended, "tokens_revoked": prefixes}
        audit.record(actor=actor, action="auth.access_revoke", obj=user, details=details)
    return details


def on_user_logged_in(sender, request: HttpRequest, user: User, **kwargs) -> None:
    """Signal receiver (apps.py): every login is recorded, a test client's ``force_login`` too."""
    session = getattr(request, "session", None)
    if session is None:
        return
    _forget_stale(user)
    session_remember(user=user, session=session)


class SessionTrackingMiddleware:
    """Records an authenticated session's key whenever it changed (login, 2FA step, password change)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            session is not None
            and user is not None
            and user.is_authenticated
            and session.get(SESSION_KEY) == str(user.pk)  # a signed-in session, not an API token's
        ):
            session_remember(user=user, session=session)
        return response
