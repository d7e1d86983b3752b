"""Personal API tokens: shown once, stored hashed, accepted until revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dengbao.accounts import tokens
from dengbao.accounts.models import ApiToken, User
from dengbao.audit.models import AuditEvent

API_ME = "/api/me"
TOKEN_RE = re.compile(r"dbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def create_on_profile(client: Client, name: str = "CI 导入", days: int = 90) -> str:
    response = client.post(reverse("accounts:token_create"), {"name": name, "days_valid": days})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    found = TOKEN_RE.findall(response.content.decode())
    assert len(found) == 1
    return found[0]


def test_token_is_shown_once_and_only_its_hash_is_stored(world_a, login):
    user = world_a.members["assessor"]
    client = login(user)
    plain = create_on_profile(client)
    secret = plain.split("_", 2)[2]

    row = ApiToken.objects.get(user=user)
    assert row.name == "CI 导入"
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert dt.timedelta(days=89) < row.expires_at - timezone.now() <= dt.timedelta(days=90)
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=row.pk).values().get().values())
    assert secret not in stored
    for event in AuditEvent.objects.filter(action="token.create"):
        assert secret not in str(event.details)

    profile = client.get(reverse("accounts:profile")).content.decode()
    assert secret not in profile
    assert f"dbk_{row.prefix}_" in profile
    assert "CI 导入" in profile


def test_bearer_token_authenticates_the_api(world_a, login):
    user = world_a.members["assessor"]
    plain = create_on_profile(login(user))
    response = Client().get(API_ME, **bearer(plain))
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert ApiToken.objects.get(user=user).last_used_at is not None
    assert Client().get(API_ME, HTTP_X_API_KEY=plain).json()["username"] == user.username


def test_wrong_revoked_or_expired_token_is_refused(world_a, login):
    user = world_a.members["assessor"]
    client = login(user)
    plain = create_on_profile(client)
    row = ApiToken.objects.get(user=user)
    assert Client().get(API_ME, **bearer(plain[:-2] + "xx")).status_code == 401
    assert Client().get(API_ME).status_code == 401

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get(API_ME, **bearer(plain)).status_code == 401
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert Client().get(API_ME, **bearer(plain)).status_code == 200

    response = client.post(reverse("accounts:token_revoke", kwargs={"token_id": row.pk}))
    assert response.status_code == 302
    assert Client().get(API_ME, **bearer(plain)).status_code == 401
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(row.pk)).count() == 1
    assert "已吊销" in client.get(reverse("accounts:profile")).content.decode()


def test_token_of_an_inactive_user_is_refused(world_a):
    user = world_a.members["assessor"]
    _row, plain = tokens.token_create(actor=user, name="ci")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert Client().get(API_ME, **bearer(plain)).status_code == 401


def test_nobody_revokes_another_persons_token_from_the_profile(world_a, login):
    owner = world_a.members["assessor"]
    row, plain = tokens.token_create(actor=owner, name="ci")
    other = login(world_a.members["manager"])
    response = other.post(reverse("accounts:token_revoke", kwargs={"token_id": row.pk}))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert Client().get(API_ME, **bearer(plain)).status_code == 200


def test_token_form_rejects_a_missing_name_and_unknown_validity(world_a, login):
    client = login(world_a.members["assessor"])
    response = client.post(reverse("accounts:token_create"), {"name": "", "days_valid": 9999})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert TOKEN_RE.search(response.content.decode()) is None
