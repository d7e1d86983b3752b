"""API tests: real requests through Django's test client, authenticated by a personal API token."""

from __future__ import annotations

import pytest
from django.test import Client

from dengbao.accounts.tokens import token_create


def token_client(user) -> Client:
    """A client that presents ``user``'s new API token, as a script would (no session, no 2FA)."""
    _, raw = token_create(actor=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def as_role(world_a):
    """A token client for a role of project A: ``as_role("assessor")``."""
    return lambda role: token_client(world_a.members[role])


@pytest.fixture
def stranger(world_b):
    """The manager of project B: a member of another project, so every project-A URL is 404."""
    return token_client(world_b.members["manager"])
