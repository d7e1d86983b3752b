"""The security administrator's page: lock and 2FA state, unlock, 2FA reset; nobody else may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dengbao.accounts.models import User
from dengbao.accounts.roles import PlatformRole
from dengbao.audit.models import AuditEvent

from .conftest import SETUP_URL, enrolled_device, password_login

SECURITY_URL = reverse("accounts:security")


def unlock_url(user: User) -> str:
    return reverse("accounts:security_unlock", kwargs={"user_id": user.pk})


def reset_url(user: User) -> str:
    return reverse("accounts:security_otp_reset", kwargs={"user_id": user.pk})


@pytest.fixture
def locked_reviewer(world_a):
    """A reviewer who enrolled a device and then locked the account."""
    reviewer = world_a.members["reviewer"]
    enrolled_device(reviewer)
    User.objects.filter(pk=reviewer.pk).update(
        failed_login_count=5, locked_until=timezone.now() + dt.timedelta(minutes=10)
    )
    return reviewer


def test_security_admin_sees_lock_and_two_factor_state(platform_users, locked_reviewer, login):
    client = login(platform_users[PlatformRole.SECADMIN])
    response = client.get(SECURITY_URL)
    assert response.status_code == 200
    rows = {row["user"].username: row for row in response.context["rows"]}
    assert rows[locked_reviewer.username]["locked_minutes"] == 10
    assert rows[locked_reviewer.username]["user"].has_two_factor
    assert not rows["proj-a-manager"]["user"].has_two_factor
    assert not rows["proj-a-manager"]["two_factor_required"]
    assert rows["proj-a-reviewer"]["two_factor_required"]
    assert rows["plat-sysadmin"]["two_factor_required"]
    body = response.content.decode()
    assert "已锁定（剩余 10 分钟）" in body
    assert unlock_url(locked_reviewer) in body
    assert reset_url(locked_reviewer) in body

    filtered = client.get(SECURITY_URL, {"q": "reviewer"})
    assert [r["user"].username for r in filtered.context["rows"]] == [locked_reviewer.username]


def test_security_admin_unlocks_an_account(platform_users, locked_reviewer, csrf_client):
    admin = platform_users[PlatformRole.SECADMIN]
    client = csrf_client(admin)
    client.get(SECURITY_URL)
    assert client.post(unlock_url(locked_reviewer)).status_code == 403  # no CSRF token
    locked_reviewer.refresh_from_db()
    assert locked_reviewer.locked_until is not None

    token = client.cookies["csrftoken"].value
    response = client.post(unlock_url(locked_reviewer), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    locked_reviewer.refresh_from_db()
    assert (locked_reviewer.failed_login_count, locked_reviewer.locked_until) == (0, None)
    event = AuditEvent.objects.get(action="auth.unlock")
    assert event.actor_id == admin.pk
    assert event.object_id == str(locked_reviewer.pk)
    assert event.details["before"]["failed_login_count"] == 5
    assert (
        client.get(reverse("accounts:security_unlock", kwargs={"user_id": locked_reviewer.pk})).status_code
        == 405
    )


def test_security_admin_resets_two_factor(platform_users, locked_reviewer, login):
    admin = platform_users[PlatformRole.SECADMIN]
    reviewer_session = login(locked_reviewer)  # a verified session of the reviewer
    dashboard = reverse("web:project_dashboard", kwargs={"project": "proj-a"})
    assert reviewer_session.get(dashboard).status_code == 200

    response = login(admin).post(reset_url(locked_reviewer))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=locked_reviewer).exists()
    event = AuditEvent.objects.get(action="auth.otp_reset")
    assert (event.actor_id, event.object_id) == (admin.pk, str(locked_reviewer.pk))
    # The reviewer's session has ended (a stolen one must not enrol the thief's authenticator) ...
    assert reviewer_session.get(dashboard)["Location"].startswith(reverse("accounts:login"))
    # ... and signing in again leads to enrolment.
    User.objects.filter(pk=locked_reviewer.pk).update(failed_login_count=0, locked_until=None)
    assert password_login(reviewer_session, locked_reviewer.username)["Location"].startswith(SETUP_URL)


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin", "manager", "reviewer"])
def test_everyone_else_is_refused(who, world_a, platform_users, locked_reviewer, login):
    user = platform_users[PlatformRole(who)] if who in PlatformRole.values else world_a.members[who]
    client = login(user)
    assert client.get(SECURITY_URL).status_code == 403
    assert client.post(unlock_url(locked_reviewer)).status_code == 403
    assert client.post(reset_url(locked_reviewer)).status_code == 403
    locked_reviewer.refresh_from_db()
    assert locked_reviewer.locked_until is not None
    assert TOTPDevice.objects.filter(user=locked_reviewer, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action__in=["auth.unlock", "auth.otp_reset"]).exists()
    assert AuditEvent.objects.filter(action="permission.denied", actor_id=user.pk).count() == 3


def test_refusal_does_not_reveal_whether_a_user_exists(platform_users, login):
    client = login(platform_users[PlatformRole.SYSADMIN])
    assert client.post(reverse("accounts:security_unlock", kwargs={"user_id": 999999})).status_code == 403
    admin = login(platform_users[PlatformRole.SECADMIN])
    assert admin.post(reverse("accounts:security_unlock", kwargs={"user_id": 999999})).status_code == 404


def test_security_page_needs_sign_in(db):
    from django.test import Client

    response = Client().get(SECURITY_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
