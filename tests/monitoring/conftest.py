"""Loopback sites for the monitoring app's tests (the servers of tests/monitor)."""

from __future__ import annotations

import pytest

from tests.monitor.servers import Site


@pytest.fixture
def site():
    with Site() as server:
        yield server


@pytest.fixture
def receiver():
    with Site() as server:
        yield server
