"""Fixtures for the monitor tests: loopback servers that stop with the test."""

from __future__ import annotations

import pytest

from .servers import Site


@pytest.fixture
def site():
    with Site() as server:
        yield server
