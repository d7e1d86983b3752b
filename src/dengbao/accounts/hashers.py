"""Argon2 with a bound on how many passwords are hashed at once.

Django's Argon2 settings take about 100 MB of memory per hash, and a sign-in with an unknown
user name hashes too (so that its timing does not tell names apart). Without a bound, a burst of
anonymous sign-ins holds 100 MB each: fifty at once is 5 GB. Here at most
``DENGBAO_PASSWORD_HASH_CONCURRENCY`` hashes run together (default 2); the others wait their
turn, so memory stays bounded and the strength of the stored hashes is unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_slot_count = 0


def _semaphore() -> threading.BoundedSemaphore:
    global _slots, _slot_count
    wanted = max(1, int(getattr(settings, "DENGBAO_PASSWORD_HASH_CONCURRENCY", 2)))
    with _lock:
        if _slots is None or wanted != _slot_count:
            _slots, _slot_count = threading.BoundedSemaphore(wanted), wanted
        return _slots


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """The same Argon2 hashes as Django's (algorithm name ``argon2``), fewer of them at once."""

    active = 0  # hashes running now, and the most seen together (for tests and diagnostics)
    peak = 0

    def _bounded(self, work: Any, *args: Any) -> Any:
        cls = type(self)
        with _semaphore():
            with _lock:
                cls.active += 1
                cls.peak = max(cls.peak, cls.active)
            try:
                return work(*args)
            finally:
                with _lock:
                    cls.active -= 1

    def encode(self, password: str, salt: str) -> str:
        return self._bounded(super().encode, password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        return self._bounded(super().verify, password, encoded)

    def harden_runtime(self, password: str, encoded: str) -> None:
        self._bounded(super().harden_runtime, password, encoded)
