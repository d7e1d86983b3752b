"""Production stores passwords with Argon2 (the suite itself uses a fast hasher), and hashes at
most a few at once so that a burst of sign-ins cannot exhaust memory."""

import threading

from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

from dengbao import settings as production
from dengbao.accounts import services
from dengbao.accounts.hashers import BoundedArgon2PasswordHasher


def test_production_hasher_is_argon2():
    assert production.PASSWORD_HASHERS[0] == "dengbao.accounts.hashers.BoundedArgon2PasswordHasher"
    assert BoundedArgon2PasswordHasher.algorithm == "argon2"  # hashes stored before still verify


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_users_are_stored_with_argon2(db):
    user = services.user_create(
        actor=None, username="hash-check", password="Test-Pass-2026!", organisation=None
    )
    assert user.password.startswith("argon2$")
    assert user.check_password("Test-Pass-2026!") and not user.check_password("wrong-Pass-2026!")


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS, DENGBAO_PASSWORD_HASH_CONCURRENCY=2)
def test_a_burst_of_sign_ins_hashes_at_most_two_passwords_at_once():
    encoded = make_password("Test-Pass-2026!")
    BoundedArgon2PasswordHasher.peak = 0
    start = threading.Barrier(8)
    results: list[bool] = []

    def sign_in(n: int) -> None:
        start.wait()  # eight sign-ins at the same moment, half of them with a wrong password
        results.append(check_password("Test-Pass-2026!" if n % 2 else f"wrong-{n}", encoded))

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 4 + [True] * 4
    assert 1 <= BoundedArgon2PasswordHasher.peak <= 2
    assert BoundedArgon2PasswordHasher.active == 0
