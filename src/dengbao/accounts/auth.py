"""Signing in: password step with lockout, TOTP second factor, and the security administrator's actions.

Lockout counts password and TOTP failures together on ``User.failed_login_count``.
An attempt is *reserved* (the counter raised under a row lock) before the secret is
checked and settled afterwards, so however many requests race, no more than
``DENGBAO_LOCKOUT_ATTEMPTS`` guesses are ever checked before the account locks.
"""

from __future__ import annotations

import enum
import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
from django.conf import settings
from django.contrib import auth as django_auth
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dengbao.audit import services as audit

from . import permissions
from .models import Membership, User
from .roles import TWO_FACTOR_PLATFORM_ROLES, TWO_FACTOR_PROJECT_ROLES
from .sessions import access_revoke

_BACKEND = "django.contrib.auth.backends.ModelBackend"


class Status(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"


class NextStep(enum.StrEnum):
    """What a signed-in user still owes before reaching the platform."""

    NONE = "none"
    VERIFY = "verify"  # has a confirmed TOTP device: enter a code
    ENROL = "enrol"  # a role needs 2FA and there is no device yet


@dataclass(frozen=True)
class Outcome:
    status: Status
    message: str = ""
    user: User | None = None
    next_step: NextStep = NextStep.NONE
    minutes_left: int = 0

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def _invalid_credentials() -> Outcome:
    return Outcome(Status.INVALID, _("用户名或密码错误。"))


def _locked(until: datetime, now: datetime, user: User | None = None) -> Outcome:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return Outcome(
        Status.LOCKED,
        _("账户已锁定，请在 %(minutes)d 分钟后重试。") % {"minutes": minutes},
        user=user,
        minutes_left=minutes,
    )


def _lock_period() -> timedelta:
    return timedelta(minutes=settings.DENGBAO_LOCKOUT_MINUTES)


# --- The lockout counter ------------------------------------------------------


@dataclass(frozen=True)
class _Reservation:
    number: int  # which consecutive failure this attempt would be
    locked_until: datetime | None  # set: the attempt may not go ahead


def _reserve_attempt(user: User, *, via: str) -> _Reservation:
    """Count the attempt before checking it; refuse when the account is or must be locked."""
    now = timezone.now()
    limit = settings.DENGBAO_LOCKOUT_ATTEMPTS
    with transaction.atomic():
        count, until = (
            User.objects.select_for_update()
            .filter(pk=user.pk)
            .values_list("failed_login_count", "locked_until")
            .get()
        )
        if until is not None and until > now:
            return _Reservation(count, until)
        if until is not None:  # an expired lock: the count starts afresh
            count = 0
        if count >= limit:
            # Attempts in flight (or interrupted) have used the allowance: lock now.
            until = now + _lock_period()
            User.objects.filter(pk=user.pk).update(locked_until=until)
            _audit_lock(user, until=until, attempts=count, via=via)
            return _Reservation(count, until)
        User.objects.filter(pk=user.pk).update(failed_login_count=count + 1, locked_until=None)
    return _Reservation(count + 1, None)


def _settle_failure(user: User, reservation: _Reservation, *, via: str) -> datetime | None:
    """The reserved attempt failed: lock when it was the last one allowed. Returns the lock's end."""
    if reservation.number < settings.DENGBAO_LOCKOUT_ATTEMPTS:
        return None
    until = timezone.now() + _lock_period()
    with transaction.atomic():
        # Only the attempt that actually sets the lock records it.
        if User.objects.filter(pk=user.pk, locked_until__isnull=True).update(locked_until=until):
            _audit_lock(user, until=until, attempts=reservation.number, via=via)
            return until
    return User.objects.filter(pk=user.pk).values_list("locked_until", flat=True).get()


def _settle_success(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


def _audit_lock(user: User, *, until: datetime, attempts: int, via: str) -> None:
    audit.record(
        actor=user,
        action="auth.locked",
        obj=user,
        outcome="locked",
        details={"until": until.isoformat(), "attempts": attempts, "via": via},
    )


def _audit_failure(user: User | None, *, username: str, reason: str) -> None:
    audit.record(
        actor=user,
        actor_name=username[:150],
        action="auth.login_failed",
        obj=user,
        outcome="failed",
        details={"username": username[:150], "reason": reason},
    )


def _unknown_user_attempt(username: str) -> datetime | None:
    """Mirror the lockout for names that do not exist, so the lock message reveals no account.

    Best effort through the cache: nothing is protected here, only the answer kept alike.
    """
    key = "dengbao:login-unknown:" + hashlib.sha256(username.casefold().encode()).hexdigest()
    now = time.time()
    count, until = cache.get(key, (0, 0.0))
    if until > now:
        return timezone.now() + timedelta(seconds=until - now)
    count = 0 if until else count
    count += 1
    until = now + _lock_period().total_seconds() if count >= settings.DENGBAO_LOCKOUT_ATTEMPTS else 0.0
    cache.set(key, (count, until), timeout=24 * 3600)
    return timezone.now() + _lock_period() if until else None


# --- Password step ------------------------------------------------------------


def second_factor_step(user: User) -> NextStep:
    """What the user must do after the password (ignoring whether this session already did it)."""
    if django_otp.user_has_device(user, confirmed=True):
        return NextStep.VERIFY
    if any(permissions.roles_needing_two_factor(user)):
        return NextStep.ENROL
    return NextStep.NONE


def login_attempt(*, username: str, password: str, request: HttpRequest) -> Outcome:
    """Check a username and password; on success sign the user in (new session key)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        django_auth.authenticate(request, username=username, password=password)  # same hashing time
        _audit_failure(None, username=username, reason="unknown_user")
        until = _unknown_user_attempt(username)
        return _locked(until, timezone.now()) if until else _invalid_credentials()

    reservation = _reserve_attempt(user, via="password")
    if reservation.locked_until is not None:
        make_password(password)  # same hashing time as a real check
        _audit_failure(user, username=username, reason="locked")
        return _locked(reservation.locked_until, timezone.now(), user)

    authenticated = django_auth.authenticate(request, username=username, password=password)
    if authenticated is None:  # wrong password, or an inactive account
        _audit_failure(user, username=username, reason="bad_password" if user.is_active else "inactive")
        until = _settle_failure(user, reservation, via="password")
        return _locked(until, timezone.now(), user) if until else _invalid_credentials()

    step = second_factor_step(authenticated)
    if step is NextStep.VERIFY:
        # Not yet a full login: give back this attempt but keep earlier code failures counting,
        # or a known password would buy unlimited guesses at the code.
        User.objects.filter(pk=user.pk, failed_login_count__gt=0).update(
            failed_login_count=F("failed_login_count") - 1
        )
    else:
        _settle_success(authenticated)
    django_auth.login(request, authenticated, backend=_BACKEND)  # flushes or cycles the session key
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)  # every password login needs a fresh code
    audit.record(
        actor=authenticated, action="auth.login", obj=authenticated, details={"second_factor": str(step)}
    )
    return Outcome(Status.OK, user=authenticated, next_step=step)


def logout_user(*, request: HttpRequest, reason: str = "") -> None:
    user = request.user
    if user.is_authenticated:
        audit.record(
            actor=user, action="auth.logout", obj=user, details={"reason": reason} if reason else None
        )
    django_auth.logout(request)


# --- Second factor (TOTP) -------------------------------------------------------


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def otp_verify_attempt(*, request: HttpRequest, token: str) -> Outcome:
    """Check the signed-in user's TOTP code. Failures count toward the lockout; a lock signs out."""
    user = request.user
    device = confirmed_device(user)
    if device is None:
        return Outcome(Status.INVALID, _("尚未绑定身份验证器。"), user=user)

    reservation = _reserve_attempt(user, via="otp")
    if reservation.locked_until is not None:
        _audit_failure(user, username=user.get_username(), reason="locked")
        logout_user(request=request, reason="locked")
        return _locked(reservation.locked_until, timezone.now(), user)

    allowed, _info = device.verify_is_allowed()
    verified = allowed and django_otp.verify_token(user, device.persistent_id, token) is not None
    if not verified:
        _audit_failure(user, username=user.get_username(), reason="bad_otp" if allowed else "otp_throttled")
        until = _settle_failure(user, reservation, via="otp")
        if until is not None:
            logout_user(request=request, reason="locked")
            return _locked(until, timezone.now(), user)
        if not allowed:
            return Outcome(Status.INVALID, _("尝试过于频繁，请稍候几秒再试。"), user=user)
        return Outcome(Status.INVALID, _("验证码错误，请重新输入。"), user=user)

    _settle_success(user)
    django_otp.login(request, device)
    request.session.cycle_key()  # the session has just gained privilege
    audit.record(actor=user, action="auth.otp_verify", obj=user)
    return Outcome(Status.OK, user=user)


def otp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device shown on the enrolment page; reused so a reload keeps the scanned key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    return device


def otp_enrol(*, request: HttpRequest, token: str) -> bool:
    """Confirm the pending device with a code from it; the session counts as verified afterwards."""
    user = request.user
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()  # one enrolment at a time
        if confirmed_device(user) is not None:
            return False  # a second device only after the security administrator resets the first
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        )
        if device is None or not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit.record(actor=user, action="auth.otp_enrol", obj=user, details={"device": device.pk})
    django_otp.login(request, device)
    request.session.cycle_key()
    return True


# --- Password change --------------------------------------------------------------


def password_change(*, request: HttpRequest, new_password: str) -> None:
    """Set the signed-in user's new password; this session stays (under a new key), the user's
    other sessions end and their API tokens are revoked.

    The caller has checked the current password (Django's PasswordChangeForm does).
    """
    user = request.user
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(actor=user, action="auth.password_change", obj=user)
        django_auth.update_session_auth_hash(request, user)
        access_revoke(
            actor=user, user=user, reason="password_change", keep_session=request.session.session_key
        )


# --- The security administrator ---------------------------------------------------


def account_unlock(*, actor: User, user: User) -> None:
    permissions.require(actor, "platform.security")
    with transaction.atomic():
        before = User.objects.filter(pk=user.pk).values("failed_login_count", "locked_until").get()
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        audit.record(
            actor=actor,
            action="auth.unlock",
            obj=user,
            before={
                "failed_login_count": before["failed_login_count"],
                "locked_until": before["locked_until"].isoformat() if before["locked_until"] else None,
            },
        )


def otp_reset(*, actor: User, user: User) -> int:
    """Remove the user's TOTP devices: they sign in again and enrol a new one.

    Every session of the user ends and every API token is revoked, or a stolen session
    could enrol the thief's authenticator. The password stays: only the system
    administrator resets it, so no one administrator can take over such an account.
    """
    permissions.require(actor, "platform.security")
    if user.pk == actor.pk:
        raise ValidationError(_("不能重置自己的双因素认证，请由另一名安全管理员操作。"))
    with transaction.atomic():
        removed, _detail = TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor=actor, action="auth.otp_reset", obj=user, details={"devices_removed": removed})
        access_revoke(actor=actor, user=user, reason="otp_reset")
    return removed


def security_user_list(*, actor: User, query: str = "") -> QuerySet[User]:
    """Every account with its lock and two-factor state, for the security administrator."""
    permissions.require(actor, "platform.security")
    users = (
        User.objects.select_related("organisation")
        .annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            reviewer_role=Exists(
                Membership.objects.filter(user=OuterRef("pk"), role__in=TWO_FACTOR_PROJECT_ROLES)
            ),
        )
        .order_by("username")
    )
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return users


def needs_two_factor(user: User) -> bool:
    """For rows of ``security_user_list``: the same rule as ``permissions.roles_needing_two_factor``."""
    return user.platform_role in TWO_FACTOR_PLATFORM_ROLES or bool(getattr(user, "reviewer_role", False))


def lock_remaining_minutes(user: User) -> int:
    if user.locked_until is None:
        return 0
    seconds = (user.locked_until - timezone.now()).total_seconds()
    return max(0, math.ceil(seconds / 60))
