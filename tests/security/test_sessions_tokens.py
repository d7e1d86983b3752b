"""Finding 9 (issue #13): a password change or reset, a 2FA reset or a deactivation ends the
user's sessions and revokes their API tokens; the security administrator sees and revokes
anyone's token, on the page and on the command line.

Sessions are checked on the database engine (the default), the cache engine (Redis when
REDIS_URL is set) and the cached-database engine: a signed-in browser of the victim is sent
back to the login page, and the token is refused by the API.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from dengbao.accounts import auth, services, tokens
from dengbao.accounts.models import ApiToken, User, UserSession
from dengbao.accounts.roles import PlatformRole, ProjectRole
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from tests.conftest import PASSWORD, make_user, verified_client

DASHBOARD = "/projects/proj-a/"
LOGIN = reverse("accounts:login")
ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
]


def bearer(plain: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def api_me(plain: str) -> int:
    return Client().get("/api/me", **bearer(plain)).status_code


def signed_out(client: Client) -> bool:
    response = client.get(DASHBOARD)
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.fixture(params=ENGINES, ids=["db", "cache", "cached_db"])
def engine(request):
    with override_settings(SESSION_ENGINE=request.param):
        yield request.param


@pytest.fixture
def victim(world_a) -> User:
    return world_a.members[ProjectRole.ASSESSOR]


def revoke_event(user: User, reason: str) -> AuditEvent:
    return AuditEvent.objects.get(action="auth.access_revoke", object_id=str(user.pk), details__reason=reason)


def _password_reset(world_a, platform_users, victim):
    services.user_password_reset(
        actor=platform_users[PlatformRole.SYSADMIN], user=victim, password="Reset-Pass-2026!"
    )


def _otp_reset(world_a, platform_users, victim):
    auth.otp_reset(actor=platform_users[PlatformRole.SECADMIN], user=victim)


def _deactivate(world_a, platform_users, victim):
    services.user_update(
        actor=platform_users[PlatformRole.SYSADMIN],
        user=victim,
        display_name=victim.display_name,
        organisation=victim.organisation,
        is_active=False,
    )


EVENTS = {"password_reset": _password_reset, "otp_reset": _otp_reset, "deactivated": _deactivate}


@pytest.mark.parametrize("event", list(EVENTS))
def test_event_ends_every_session_and_revokes_every_token(event, engine, world_a, platform_users, victim):
    browsers = [verified_client(victim), verified_client(victim)]  # two devices
    bystander = verified_client(world_a.members[ProjectRole.MANAGER])
    _row, plain = tokens.token_create(actor=victim, name="ci")
    _other, other_plain = tokens.token_create(actor=world_a.members[ProjectRole.MANAGER], name="ci")
    for browser in browsers:
        assert browser.get(DASHBOARD).status_code == 200
    assert api_me(plain) == 200

    EVENTS[event](world_a, platform_users, victim)

    for browser in browsers:
        assert signed_out(browser)
    assert api_me(plain) == 401
    assert ApiToken.objects.get(user=victim).revoked_at is not None
    record = revoke_event(victim, event)
    assert record.details["sessions_ended"] == 2
    assert record.details["tokens_revoked"] == [_row.prefix]
    assert not UserSession.objects.filter(user=victim).exists()
    # nobody else is touched
    assert bystander.get(DASHBOARD).status_code == 200
    assert api_me(other_plain) == 200


def test_sessions_are_deleted_from_the_database_store(world_a, platform_users, victim):
    browser = verified_client(victim)
    key = browser.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    _password_reset(world_a, platform_users, victim)
    assert not Session.objects.filter(session_key=key).exists()


def test_a_new_session_key_after_the_second_factor_is_tracked_too(world_a, engine):
    """Signing in and passing the code changes the session key twice; the last key is the one ended."""
    from tests.accounts.conftest import enrolled_device, password_login, totp_code

    reviewer = world_a.members[ProjectRole.REVIEWER]
    device = enrolled_device(reviewer)
    browser = Client()
    assert password_login(browser, reviewer.username).status_code == 302
    assert browser.post(reverse("accounts:otp_verify"), {"token": totp_code(device)}).status_code == 302
    assert browser.get(DASHBOARD).status_code == 200
    auth.otp_reset(actor=make_user(None, platform_role=PlatformRole.SECADMIN), user=reviewer)
    assert signed_out(browser)


def test_own_password_change_keeps_this_session_and_ends_the_others(engine, world_a, victim):
    here, elsewhere = verified_client(victim), verified_client(victim)
    _row, plain = tokens.token_create(actor=victim, name="ci")
    response = here.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Changed-Pass-2026!",
            "new_password2": "Changed-Pass-2026!",
        },
    )
    assert response.status_code == 302
    assert here.get(DASHBOARD).status_code == 200
    assert signed_out(elsewhere)
    assert api_me(plain) == 401
    record = revoke_event(victim, "password_change")
    assert (record.details["sessions_ended"], record.details["tokens_revoked"]) == (1, [_row.prefix])
    # the page's own session is still the one the index knows, so a later reset ends it
    services.user_password_reset(
        actor=make_user(None, platform_role=PlatformRole.SYSADMIN), user=victim, password="Reset-Pass-2026!"
    )
    assert signed_out(here)


def test_reset_through_the_pages_signs_the_victim_out(world_a, platform_users, victim, login):
    browser = verified_client(victim)
    _row, plain = tokens.token_create(actor=victim, name="ci")
    admin = login(platform_users[PlatformRole.SYSADMIN])
    assert admin.post(f"/manage/users/{victim.pk}/reset-password/").status_code == 200
    assert signed_out(browser)
    assert api_me(plain) == 401

    browser = verified_client(victim)
    _row, plain = tokens.token_create(actor=victim, name="ci2")
    assert (
        login(platform_users[PlatformRole.SECADMIN])
        .post(f"/accounts/security/users/{victim.pk}/reset-2fa/")
        .status_code
        == 302
    )
    assert signed_out(browser)
    assert api_me(plain) == 401


def test_granting_a_platform_role_revokes_tokens_made_without_its_second_factor(world_a, platform_users):
    plain_user = make_user(world_a.provider, username="plain")
    _row, plain = tokens.token_create(actor=plain_user, name="ci")
    services.platform_role_set(
        actor=platform_users[PlatformRole.SECADMIN], user=plain_user, role="auditadmin"
    )
    assert api_me(plain) == 401


# --- The security administrator's view of every token ---------------------------------


def test_secadmin_lists_and_revokes_another_users_token_on_the_page(world_a, platform_users, victim, login):
    row, plain = tokens.token_create(actor=victim, name="扫描导入")
    assert api_me(plain) == 200  # sets last used
    client = login(platform_users[PlatformRole.SECADMIN])
    page = client.get(reverse("accounts:security_tokens"))
    assert page.status_code == 200
    body = page.content.decode()
    for text in (
        victim.username,
        "扫描导入",
        f"dbk_{row.prefix}_",
        timezone.localtime(row.created_at).strftime("%Y-%m-%d"),
    ):
        assert text in body
    listed = {t.pk: t for t in page.context["page"]}
    assert listed[row.pk].last_used_at is not None and listed[row.pk].expires_at is not None

    response = client.post(reverse("accounts:security_token_revoke", kwargs={"token_id": row.pk}))
    assert response.status_code == 302
    assert api_me(plain) == 401
    event = AuditEvent.objects.get(action="token.revoke", object_id=str(row.pk))
    assert event.actor_id == platform_users[PlatformRole.SECADMIN].pk
    assert event.details["owner"] == victim.username

    filtered = client.get(reverse("accounts:security_tokens"), {"owner": victim.username, "standing": "1"})
    assert list(filtered.context["page"]) == []


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin", "manager"])
def test_nobody_else_reaches_the_token_page(who, world_a, platform_users, victim, login):
    row, plain = tokens.token_create(actor=victim, name="ci")
    user = platform_users[PlatformRole(who)] if who in PlatformRole.values else world_a.members[who]
    client = login(user)
    assert client.get(reverse("accounts:security_tokens")).status_code == 403
    assert (
        client.post(reverse("accounts:security_token_revoke", kwargs={"token_id": row.pk})).status_code == 403
    )
    assert api_me(plain) == 200
    assert AuditEvent.objects.filter(action="permission.denied", actor_id=user.pk).count() == 2


def test_cli_lists_and_revokes_as_the_acting_user(world_a, platform_users, victim):
    runner = CliRunner()
    secadmin = platform_users[PlatformRole.SECADMIN]
    manager = world_a.members[ProjectRole.MANAGER]
    row, plain = tokens.token_create(actor=victim, name="ci")
    own, _own_plain = tokens.token_create(actor=manager, name="mine")

    listed = runner.invoke(main, ["tokens", "list", "--user", secadmin.username, "--json"])
    assert listed.exit_code == 0, listed.output
    owners = {(t["owner"], t["prefix"]) for t in json.loads(listed.output)}
    assert {(victim.username, row.prefix), (manager.username, own.prefix)} <= owners

    # a plain user sees only their own, and cannot look at or revoke anyone else's
    mine = json.loads(runner.invoke(main, ["tokens", "list", "--user", manager.username, "--json"]).output)
    assert [t["prefix"] for t in mine] == [own.prefix]
    assert (
        runner.invoke(
            main, ["tokens", "list", "--user", manager.username, "--owner", victim.username]
        ).exit_code
        == 1
    )
    refused = runner.invoke(main, ["tokens", "revoke", row.prefix, "--user", manager.username])
    assert refused.exit_code == 1 and "not found" in refused.output
    assert api_me(plain) == 200

    done = runner.invoke(
        main, ["tokens", "revoke", f"dbk_{row.prefix}_", "--user", secadmin.username, "--json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["revoked_at"]
    assert api_me(plain) == 401
    assert AuditEvent.objects.get(action="token.revoke", object_id=str(row.pk)).actor_id == secadmin.pk
    again = runner.invoke(main, ["tokens", "revoke", str(row.pk), "--user", secadmin.username])
    assert again.exit_code == 0 and "already revoked" in again.output
    assert runner.invoke(main, ["tokens", "list"]).exit_code == 2  # no acting user


def test_housekeeping_forgets_sessions_that_ended(world_a, victim):
    from dengbao.accounts.jobs import clear_expired_sessions

    gone, kept = verified_client(victim), verified_client(victim)
    gone.post(reverse("accounts:logout"))
    assert UserSession.objects.filter(user=victim).count() == 2  # logging out leaves the row
    clear_expired_sessions()
    assert list(UserSession.objects.filter(user=victim).values_list("session_key", flat=True)) == [
        kept.cookies["sessionid"].value
    ]
