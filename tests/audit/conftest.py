"""Fixtures for the audit tests: the audit administrator, a way to tamper with the log as a DBA could."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from dengbao.accounts.models import User
from dengbao.accounts.roles import PlatformRole

FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def auditor(platform_users) -> User:
    return platform_users[PlatformRole.AUDITADMIN]


@pytest.fixture
def raw_sql(db) -> Callable[..., None]:
    """Run SQL straight on the audit tables, as a database superuser could.

    On PostgreSQL the append-only triggers are switched off first (inside the test's
    transaction, so the switch is rolled back with it).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_audithead DISABLE TRIGGER USER")

    def run(sql: str, params: list | tuple = ()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run
