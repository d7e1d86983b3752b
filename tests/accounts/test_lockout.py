"""Password step: lockout after repeated failures, no user enumeration, audited, session rotated."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dengbao.accounts.models import User
from dengbao.audit.models import AuditEvent
from tests.conftest import PASSWORD

from .conftest import LOGIN_URL, is_signed_in, password_login

INVALID = "用户名或密码错误"


def lock_message(minutes: int) -> str:
    return f"账户已锁定，请在 {minutes} 分钟后重试"


def test_lockout_settings_are_the_documented_defaults():
    assert settings.DENGBAO_LOCKOUT_ATTEMPTS == 5
    assert settings.DENGBAO_LOCKOUT_MINUTES == 15


def test_five_wrong_passwords_lock_until_the_time_has_passed(world_a):
    user = world_a.members["manager"]
    client = Client()
    for attempt in range(1, 5):
        response = password_login(client, user.username, "Wrong-Pass-123")
        assert response.status_code == 200
        assert INVALID in response.content.decode()
        user.refresh_from_db()
        assert user.failed_login_count == attempt
        assert user.locked_until is None

    response = password_login(client, user.username, "Wrong-Pass-123")
    assert lock_message(15) in response.content.decode()
    user.refresh_from_db()
    assert user.failed_login_count == 5
    assert user.locked_until is not None
    assert dt.timedelta(minutes=14) < user.locked_until - timezone.now() <= dt.timedelta(minutes=15)

    # While locked, even the right password is refused.
    response = password_login(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert lock_message(15) in response.content.decode()
    assert not is_signed_in(client)

    # The lock runs out: the right password works again and clears the count.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    response = password_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert is_signed_in(client)
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (0, None)

    failed = AuditEvent.objects.filter(action="auth.login_failed", actor_id=user.pk)
    assert failed.count() == 6
    assert {e.outcome for e in failed} == {"failed"}
    assert {e.details["username"] for e in failed} == {user.username}
    assert [e.details["reason"] for e in failed.order_by("seq")] == ["bad_password"] * 5 + ["locked"]
    locked = AuditEvent.objects.get(action="auth.locked", actor_id=user.pk)
    assert locked.details["attempts"] == 5
    assert locked.details["via"] == "password"
    assert AuditEvent.objects.filter(action="auth.login", actor_id=user.pk).count() == 1


def test_lock_message_names_the_minutes_left(world_a):
    user = world_a.members["assessor"]
    User.objects.filter(pk=user.pk).update(
        failed_login_count=5, locked_until=timezone.now() + dt.timedelta(minutes=2, seconds=30)
    )
    response = password_login(Client(), user.username, PASSWORD)
    assert lock_message(3) in response.content.decode()


def test_success_resets_the_count_so_failures_must_be_consecutive(world_a):
    user = world_a.members["assessor"]
    for _ in range(3):
        password_login(Client(), user.username, "Wrong-Pass-123")
    assert password_login(Client(), user.username, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.failed_login_count == 0
    for _ in range(4):
        password_login(Client(), user.username, "Wrong-Pass-123")
    user.refresh_from_db()
    assert user.locked_until is None
    assert password_login(Client(), user.username, PASSWORD).status_code == 302


def test_after_an_expired_lock_the_count_starts_afresh(world_a):
    user = world_a.members["assessor"]
    User.objects.filter(pk=user.pk).update(
        failed_login_count=5, locked_until=timezone.now() - dt.timedelta(minutes=1)
    )
    response = password_login(Client(), user.username, "Wrong-Pass-123")
    assert INVALID in response.content.decode()
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (1, None)


def test_unknown_username_gets_the_wrong_password_answer_and_is_audited(world_a):
    name = f"nobody-{uuid.uuid4().hex[:8]}"  # unique: the cache may outlive a test run (Redis)
    real = password_login(Client(), world_a.members["manager"].username, "Wrong-Pass-123")
    unknown = password_login(Client(), name, "Wrong-Pass-123")
    assert unknown.status_code == real.status_code == 200
    assert INVALID in unknown.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed", actor_id=None)
    assert event.outcome == "failed"
    assert event.actor_name == name
    assert event.details["username"] == name


def test_unknown_username_is_locked_like_a_real_one(db):
    """Otherwise the lock message would tell which names exist."""
    client, name = Client(), f"ghost-{uuid.uuid4().hex[:8]}"
    answers = [password_login(client, name, "Wrong-Pass-123").content.decode() for _ in range(6)]
    assert all(INVALID in a for a in answers[:4])
    assert lock_message(15) in answers[4]
    assert lock_message(15) in answers[5]


def test_inactive_user_cannot_sign_in_even_with_the_right_password(world_a):
    user = world_a.members["assessor"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()
    response = password_login(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert INVALID in response.content.decode()
    assert not is_signed_in(client)
    assert (
        AuditEvent.objects.get(action="auth.login_failed", actor_id=user.pk).details["reason"] == "inactive"
    )


def test_login_rotates_the_session_key(world_a):
    client = Client()
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key

    response = password_login(client, world_a.members["manager"].username, PASSWORD)
    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted_key
    assert is_signed_in(client)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=planted_key).exists()


def test_next_is_followed_only_within_the_site(world_a):
    user = world_a.members["manager"]
    dashboard = reverse("web:project_dashboard", kwargs={"project": "proj-a"})
    response = password_login(Client(), user.username, PASSWORD, next=dashboard)
    assert response["Location"] == dashboard
    response = password_login(Client(), user.username, PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("web:home")


def test_logout_is_a_post_audited_and_ends_the_session(world_a):
    user = world_a.members["manager"]
    client = Client()
    password_login(client, user.username, PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_signed_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=user.pk).count() == 1
    response = client.get(reverse("web:project_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="the in-memory SQLite test database locks whole tables (SQLITE_LOCKED), not rows",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_guesses_check_no_more_than_the_allowance(world_a):
    """Eight guesses at once: only five passwords are checked, the rest meet the lock."""
    user = world_a.members["manager"]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            barrier.wait()
            password_login(Client(), user.username, "Wrong-Pass-123")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    user.refresh_from_db()
    assert user.locked_until is not None
    reasons = list(
        AuditEvent.objects.filter(action="auth.login_failed", actor_id=user.pk).values_list(
            "details__reason", flat=True
        )
    )
    assert reasons.count("bad_password") == 5
    assert reasons.count("locked") == 3
    assert AuditEvent.objects.filter(action="auth.locked", actor_id=user.pk).count() == 1
