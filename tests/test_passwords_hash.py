"""Production stores passwords with Argon2 (the suite itself uses a fast hasher)."""

from django.test import override_settings

from dengbao import settings as production
from dengbao.accounts import services


def test_production_hasher_is_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_users_are_stored_with_argon2(db):
    user = services.user_create(
        actor=None, username="hash-check", password="Test-Pass-2026!", organisation=None
    )
    assert user.password.startswith("argon2$")
    assert user.check_password("Test-Pass-2026!") and not user.check_password("wrong-Pass-2026!")
