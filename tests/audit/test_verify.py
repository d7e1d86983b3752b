"""`dengbao audit verify` finds an altered row, a removed row, removed last rows and a rewritten chain."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.db import IntegrityError, connection, transaction

from dengbao.audit import keys
from dengbao.audit.models import AuditEvent, AuditHead
from dengbao.cli import main
from dengbao.core import hashchain


def run_verify(*args: str):
    return CliRunner().invoke(main, ["audit", "verify", *args])


def verify_json() -> tuple[int, dict]:
    result = run_verify("--json")
    return result.exit_code, json.loads(result.output)


@pytest.fixture
def events(world_a):
    """A project's worth of records (organisations, users, memberships)."""
    count = AuditEvent.objects.count()
    assert count >= 11
    return count


def test_intact_chain_exits_0_and_prints_the_count(events):
    result = run_verify()
    assert result.exit_code == 0, result.output
    assert f"已校验 {events} 条记录" in result.output
    code, data = verify_json()
    assert code == 0
    assert data == {"intact": True, "records": events, "broken_seq": None, "reason": None}


def test_an_altered_row_is_named(events, raw_sql):
    raw_sql("UPDATE audit_auditevent SET object_repr = %s WHERE seq = %s", ["改过的名字", 7])
    result = run_verify()
    assert result.exit_code == 1
    assert "第 7 条记录" in result.output
    assert "altered" in result.output
    code, data = verify_json()
    assert (code, data["intact"], data["broken_seq"]) == (1, False, 7)


def test_an_altered_actor_on_the_last_row_is_named(events, raw_sql):
    raw_sql("UPDATE audit_auditevent SET actor_name = 'someone-else' WHERE seq = %s", [events])
    code, data = verify_json()
    assert (code, data["broken_seq"]) == (1, events)


def test_a_deleted_middle_row_is_named(events, raw_sql):
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [8])
    code, data = verify_json()
    assert (code, data["broken_seq"]) == (1, 8)
    assert "missing" in data["reason"]
    assert data["records"] == events - 1


def test_removing_the_last_rows_is_caught_by_the_head(events, raw_sql):
    raw_sql("DELETE FROM audit_auditevent WHERE seq > %s", [events - 3])
    result = run_verify()
    assert result.exit_code == 1
    assert f"第 {events - 2} 条记录" in result.output
    code, data = verify_json()
    assert (code, data["broken_seq"]) == (1, events - 2)
    assert f"{events} records were written" in data["reason"]


def test_a_consistently_rewritten_chain_is_caught_by_the_head(events, raw_sql):
    """Alter row 5 and recompute every later link, even with the key: the head remembers."""
    key = keys.load()
    prev = AuditEvent.objects.get(seq=4).hash
    for event in AuditEvent.objects.filter(seq__gte=5).order_by("seq"):
        fields = event.chain_fields()
        if event.seq == 5:
            fields["action"] = "nothing.happened"
        new_hash = hashchain.link(event.algorithm, prev, fields, key)
        raw_sql(
            "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [fields["action"], prev, new_hash, event.seq],
        )
        prev = new_hash
    code, data = verify_json()
    assert (code, data["broken_seq"]) == (1, events)
    assert "rewritten" in data["reason"]


def test_verify_does_not_write_to_the_log(events):
    run_verify()
    assert AuditEvent.objects.count() == events


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL-only")
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(events):
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = 3",
        "DELETE FROM audit_auditevent WHERE seq = 3",
        "DELETE FROM audit_audithead",
        "UPDATE audit_audithead SET seq = seq - 1",
    ):
        with pytest.raises(IntegrityError, match=r"append-only|only move forward"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert AuditEvent.objects.get(seq=3).action != "x"
    assert AuditHead.objects.get(pk=1).seq == events
    assert run_verify().exit_code == 0
