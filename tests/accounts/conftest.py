"""Helpers for the sign-in tests: a real password login, TOTP codes computed from a device's key."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dengbao.accounts.models import User
from tests.conftest import PASSWORD

LOGIN_URL = reverse("accounts:login")
VERIFY_URL = reverse("accounts:otp_verify")
SETUP_URL = reverse("accounts:otp_setup")


def password_login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show now (or ``steps_ahead`` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that no step inside the device's tolerance accepts."""
    valid = {totp_code(device, steps_ahead=s) for s in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in valid)


def let_throttle_pass(device: TOTPDevice) -> None:
    """django-otp delays the next try after a wrong code; make that delay lie in the past."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )


def enrolled_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def csrf_client():
    """A verified client that, like a browser, must send the CSRF token."""

    def make(user: User) -> Client:
        from tests.conftest import verified_client

        client = verified_client(user)
        client.handler.enforce_csrf_checks = True
        return client

    return make
