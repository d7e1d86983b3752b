"""Password policy (accounts/validators.py) and the profile page's password change."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dengbao.accounts import services
from dengbao.accounts.models import User
from dengbao.accounts.validators import PolicyValidator
from dengbao.audit.models import AuditEvent
from tests.conftest import PASSWORD

from .conftest import password_login

CHANGE_URL = reverse("accounts:password_change")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Aa1!aa", "password_too_short"),
        ("abcdefghijkl", "password_too_simple"),
        ("abcdefgh1234", "password_too_simple"),
        ("Audit-Lead-2026", "password_is_username"),
    ],
)
def test_policy_rejects(password, code):
    user = User(username="audit-lead-2026")
    with pytest.raises(ValidationError) as caught:
        PolicyValidator().validate(password, user)
    assert code in {e.code for e in caught.value.error_list}


@pytest.mark.parametrize("password", ["Abcdefgh1234", "abcdefgh-1234", "ABCDEFGH-1234", "Long enough, 10"])
def test_policy_accepts_three_classes_of_ten_characters(password):
    PolicyValidator().validate(password, User(username="someone"))


def change(client: Client, new: str, old: str = PASSWORD):
    return client.post(CHANGE_URL, {"old_password": old, "new_password1": new, "new_password2": new})


@pytest.fixture
def named_user(world_a):
    """A user whose username would itself pass length and class rules."""
    return services.user_create(
        actor=None, username="Audit-Lead-2026", password=PASSWORD, organisation=world_a.provider
    )


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Aa1!aa", "密码长度至少 10 位"),
        ("abcdefghijkl", "至少 3 类"),
        ("Audit-Lead-2026", "密码不能与用户名相同"),
    ],
)
def test_password_change_rejects_weak_passwords_with_field_messages(named_user, login, new, message):
    client = login(named_user)
    response = change(client, new)
    assert response.status_code == 200
    form = response.context["password_form"]
    assert any(message in e for e in form.errors["new_password2"])
    assert message in response.content.decode()
    named_user.refresh_from_db()
    assert named_user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()


def test_password_change_needs_the_old_password(named_user, login):
    response = change(login(named_user), "Brand-New-Pass-9", old="not-the-old-one")
    assert "old_password" in response.context["password_form"].errors
    named_user.refresh_from_db()
    assert named_user.check_password(PASSWORD)


def test_good_password_is_accepted_audited_and_ends_other_sessions(named_user, login):
    client = login(named_user)
    elsewhere = login(named_user)
    response = change(client, "Brand-New-Pass-9")
    assert response.status_code == 302
    named_user.refresh_from_db()
    assert named_user.check_password("Brand-New-Pass-9")
    assert AuditEvent.objects.filter(action="auth.password_change", actor_id=named_user.pk).count() == 1
    assert client.get(reverse("accounts:profile")).status_code == 200  # this session stays
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302  # the others end
    assert password_login(Client(), named_user.username, "Brand-New-Pass-9").status_code == 302
    assert password_login(Client(), named_user.username, PASSWORD).status_code == 200
