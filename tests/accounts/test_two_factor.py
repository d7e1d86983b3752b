"""Second factor: who must enrol, the code step, replay and lockout, and the enrolment page."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from dengbao.accounts.models import User
from dengbao.audit.models import AuditEvent
from tests.conftest import PASSWORD

from .conftest import (
    LOGIN_URL,
    SETUP_URL,
    VERIFY_URL,
    enrolled_device,
    is_signed_in,
    let_throttle_pass,
    password_login,
    totp_code,
    wrong_code,
)

DASHBOARD = reverse("web:project_dashboard", kwargs={"project": "proj-a"})
API_ME = "/api/me"


def test_reviewer_must_enrol_before_reaching_the_platform(world_a):
    reviewer = world_a.members["reviewer"]
    client = Client()
    response = password_login(client, reviewer.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP_URL)
    assert AuditEvent.objects.get(action="auth.login", actor_id=reviewer.pk).details == {
        "second_factor": "enrol"
    }

    # Refused everywhere else, including the profile page where API tokens are made.
    for url in (DASHBOARD, reverse("web:project_list"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP_URL), url
    response = client.get(API_ME)
    assert response.status_code == 403
    assert response.json()["detail"] == "需要完成双因素认证。"
    response = client.post(reverse("accounts:token_create"), {"name": "ci", "days_valid": 30})
    assert response.status_code == 302
    assert not reviewer.api_tokens.exists()

    page = client.get(SETUP_URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body
    assert "<img" not in body
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body
    # A reload shows the same key, so a code scanned before the reload still works.
    client.get(SETUP_URL)
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1

    response = client.post(SETUP_URL, {"token": wrong_code(device)})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(DASHBOARD).status_code == 302

    let_throttle_pass(device)
    response = client.post(SETUP_URL, {"token": totp_code(device), "next": DASHBOARD})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(DASHBOARD).status_code == 200
    response = client.get(API_ME)
    assert response.status_code == 200
    assert response.json()["username"] == reviewer.username
    assert AuditEvent.objects.filter(action="auth.otp_enrol", actor_id=reviewer.pk).count() == 1


def test_project_manager_goes_straight_in(world_a):
    manager = world_a.members["manager"]
    client = Client()
    response = password_login(client, manager.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(API_ME).json()["username"] == manager.username


def test_platform_administrators_must_enrol(platform_users):
    for user in platform_users.values():
        client = Client()
        response = password_login(client, user.username, PASSWORD)
        assert response["Location"].startswith(SETUP_URL), user.platform_role
        assert client.get(reverse("web:project_list"))["Location"].startswith(SETUP_URL)


def test_user_with_a_device_must_pass_the_code_step(world_a):
    manager = world_a.members["manager"]  # 2FA optional for the role, but this one enrolled
    device = enrolled_device(manager)
    client = Client()
    response = password_login(client, manager.username, PASSWORD, next=DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY_URL)
    assert client.get(DASHBOARD)["Location"].startswith(VERIFY_URL)
    assert client.get(API_ME).status_code == 403
    # Adding a second device is no way around the first.
    assert client.get(SETUP_URL)["Location"].startswith(VERIFY_URL)
    assert client.post(SETUP_URL, {"token": totp_code(device)}).status_code == 302
    assert TOTPDevice.objects.filter(user=manager).count() == 1

    response = client.post(VERIFY_URL, {"token": wrong_code(device), "next": DASHBOARD})
    assert response.status_code == 200
    assert "验证码错误" in response.content.decode()
    manager.refresh_from_db()
    assert manager.failed_login_count == 1
    assert client.get(DASHBOARD).status_code == 302

    let_throttle_pass(device)
    key_before = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(VERIFY_URL, {"token": totp_code(device), "next": DASHBOARD})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != key_before
    assert client.get(DASHBOARD).status_code == 200
    manager.refresh_from_db()
    assert manager.failed_login_count == 0
    assert AuditEvent.objects.filter(action="auth.otp_verify", actor_id=manager.pk).count() == 1


def test_a_used_code_cannot_be_replayed(world_a):
    manager = world_a.members["manager"]
    device = enrolled_device(manager)
    first = Client()
    password_login(first, manager.username, PASSWORD)
    code = totp_code(device)
    assert first.post(VERIFY_URL, {"token": code}).status_code == 302

    second = Client()
    password_login(second, manager.username, PASSWORD)
    response = second.post(VERIFY_URL, {"token": code})
    assert response.status_code == 200
    assert second.get(DASHBOARD).status_code == 302
    let_throttle_pass(device)
    assert second.post(VERIFY_URL, {"token": totp_code(device, steps_ahead=1)}).status_code == 302
    assert second.get(DASHBOARD).status_code == 200


def test_a_new_password_login_asks_for_a_new_code(world_a):
    manager = world_a.members["manager"]
    device = enrolled_device(manager)
    client = Client()
    password_login(client, manager.username, PASSWORD)
    client.post(VERIFY_URL, {"token": totp_code(device)})
    assert client.get(DASHBOARD).status_code == 200
    password_login(client, manager.username, PASSWORD)  # same session, signing in again
    assert client.get(DASHBOARD)["Location"].startswith(VERIFY_URL)


def test_wrong_codes_count_toward_the_lockout_and_sign_out(world_a):
    manager = world_a.members["manager"]
    device = enrolled_device(manager)
    client = Client()
    password_login(client, manager.username, PASSWORD)
    for _ in range(4):
        let_throttle_pass(device)
        response = client.post(VERIFY_URL, {"token": wrong_code(device)})
        assert response.status_code == 200
    response = client.post(VERIFY_URL, {"token": totp_code(device)})  # throttled: counts too
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not is_signed_in(client)
    assert "账户已锁定，请在 15 分钟后重试" in client.get(LOGIN_URL).content.decode()
    manager.refresh_from_db()
    assert manager.locked_until is not None
    assert AuditEvent.objects.get(action="auth.locked", actor_id=manager.pk).details["via"] == "otp"

    response = password_login(Client(), manager.username, PASSWORD)
    assert "账户已锁定" in response.content.decode()


def test_signing_in_again_does_not_buy_more_code_guesses(world_a):
    manager = world_a.members["manager"]
    device = enrolled_device(manager)
    client = Client()
    password_login(client, manager.username, PASSWORD)
    for _ in range(4):
        let_throttle_pass(device)
        client.post(VERIFY_URL, {"token": wrong_code(device)})
    assert password_login(client, manager.username, PASSWORD)["Location"].startswith(VERIFY_URL)
    manager.refresh_from_db()
    assert manager.failed_login_count == 4
    let_throttle_pass(device)
    response = client.post(VERIFY_URL, {"token": wrong_code(device)})
    assert response["Location"] == LOGIN_URL
    manager.refresh_from_db()
    assert manager.locked_until is not None


def test_anyone_may_enrol_from_the_profile_page(world_a):
    assessor = world_a.members["assessor"]
    client = Client()
    password_login(client, assessor.username, PASSWORD)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "未启用" in profile
    assert SETUP_URL in profile

    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=assessor)
    assert client.post(SETUP_URL, {"token": totp_code(device)}).status_code == 302
    assert "已启用" in client.get(reverse("accounts:profile")).content.decode()

    fresh = Client()
    response = password_login(fresh, assessor.username, PASSWORD)
    assert response["Location"].startswith(VERIFY_URL)


def test_code_must_be_six_digits(world_a):
    manager = world_a.members["manager"]
    enrolled_device(manager)
    client = Client()
    password_login(client, manager.username, PASSWORD)
    response = client.post(VERIFY_URL, {"token": "12ab56"})
    assert "6 位数字" in response.content.decode()
    assert User.objects.get(pk=manager.pk).failed_login_count == 0  # malformed input is not a guess
