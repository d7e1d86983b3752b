"""The request body limit, enforced while the body arrives (ASGI, in front of Django).

Django's ASGI handler reads a whole request body into a temporary file (on disk past
``FILE_UPLOAD_MAX_MEMORY_SIZE``) before any Django middleware runs, and a chunked body
carries no Content-Length to check beforehand. ``BodyLimit`` wraps the Django application
(``dengbao.asgi``) and counts the bytes as uvicorn hands them over:

- a Content-Length over the limit is answered 413 before a byte of the body is read;
- a body (chunked or not) that grows past the limit stops being read: Django is told the
  client went away (it closes and drops what it spooled), and the answer is 413 with
  ``Connection: close`` so the server does not read the rest either.

Two limits. ``DENGBAO_MAX_ANON_BODY_MB`` (default 1 MB) applies to a request that is not
signed in — the login page, the password reset, any path at all — and
``DENGBAO_MAX_UPLOAD_MB`` to one that is. Whether a request is signed in is decided only
when its body grows past the small limit, so ordinary requests cost nothing extra; then
it takes one session (or token) lookup, the same check Django's authentication does: a
session cookie whose session holds an active user under a configured backend with the
user's current password hash (``auth.get_user``'s check, without its writes), or an API
token (``Authorization: Bearer`` or ``X-API-Key``) that ``token_authenticate`` accepts.
A made-up cookie earns nothing. A
user who gave the password but not yet the second factor counts as signed in here (the
pages still refuse them); the exposure is the upload limit, not the data.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import sync_to_async

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MB = 1024 * 1024


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _declared_length(scope: Scope) -> int | None:
    text = _header(scope, b"content-length").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None  # the server refuses a malformed length itself


def _session_user_active(session_key: str) -> bool:
    """Django's own session check (``auth.get_user``) without its side effects: the session
    exists, names a configured backend and an active user, and carries that user's current
    password hash. Nothing is written (``get_user`` may flush or cycle a session)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.utils.crypto import constant_time_compare

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    try:
        user_id = store[SESSION_KEY]
        backend_path = store[BACKEND_SESSION_KEY]
    except KeyError:
        return False
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not user.is_active:
        return False
    expected = user.get_session_auth_hash() if hasattr(user, "get_session_auth_hash") else ""
    return bool(expected) and constant_time_compare(store.get(HASH_SESSION_KEY, ""), expected)


def _signed_in(cookie_header: str, authorization: str, api_key: str) -> bool:
    """Whether the request carries a live session of an active user or a valid API token."""
    from django.conf import settings
    from django.http.cookie import parse_cookie

    session_key = parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME, "") if cookie_header else ""
    if session_key and _session_user_active(session_key):
        return True
    token = ""
    if authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
    token = token or api_key.strip()
    if token:
        from dengbao.accounts.tokens import token_authenticate

        return token_authenticate(token) is not None
    return False


class _Limits:
    """The limits for one request; the signed-in question is asked at most once."""

    def __init__(self, scope: Scope) -> None:
        from django.conf import settings

        self.scope = scope
        self.anonymous = settings.DENGBAO_MAX_ANON_BODY_BYTES
        self.signed_in_limit = settings.DENGBAO_MAX_UPLOAD_BYTES
        self._signed_in: bool | None = None
        self.refusal = (self.anonymous, False)  # the limit that refused, and whether it is the signed-in one

    async def allows(self, size: int) -> bool:
        if size <= self.anonymous:
            return True
        if size > self.signed_in_limit:
            self.refusal = (self.signed_in_limit, True)
            return False
        if self._signed_in is None:
            self._signed_in = await sync_to_async(_signed_in, thread_sensitive=True)(
                _header(self.scope, b"cookie"),
                _header(self.scope, b"authorization"),
                _header(self.scope, b"x-api-key"),
            )
        return self._signed_in


def _message(limit: int, signed_in: bool) -> tuple[str, str]:
    limit_mb = f"{limit / MB:g}"
    if signed_in:
        return (
            f"请求内容过大，上限为 {limit_mb} MB。",
            f"Request body too large: the limit is {limit_mb} MB.",
        )
    return (
        f"请求内容过大：未登录时上限为 {limit_mb} MB，请先登录。",
        f"Request body too large: the limit before signing in is {limit_mb} MB.",
    )


async def _refuse(scope: Scope, send: Send, limits: _Limits) -> None:
    chinese, english = _message(*limits.refusal)
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps({"detail": f"{chinese} {english}"}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = f"413 {chinese}\n{english}\n".encode()
        kind = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: refuse a request body over the limit while reading it (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = _Limits(scope)
        declared = _declared_length(scope)
        if declared is not None and not await limits.allows(declared):
            await _refuse(scope, send, limits)
            return
        received = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limits.anonymous and not await limits.allows(received):
                    refused = True
                    return {"type": "http.disconnect"}  # Django drops its spooled body and stops
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, watched)
        if refused and not started:
            await _refuse(scope, send, limits)
