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


@pytest.fixture(autouse=True)
def fresh_analyses():
    """Each test starts like a fresh monitor process: no page analyses remembered from other tests
    (the reuse cache is keyed by monitor id, and ids repeat between tests)."""
    from dengbao.monitoring import checks

    checks._ANALYSED.clear()
    yield
    checks._ANALYSED.clear()
