"""Issue 13, finding 7: the audit chain is keyed, so re-linking it by SQL without the key is caught.

Before keys, anyone who could write the database could delete or alter a record and
recompute the plain SM3/SHA-256 links after it, and `dengbao audit verify` passed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from dengbao.accounts.roles import PlatformRole
from dengbao.audit import keys, services
from dengbao.audit.models import AuditEvent, AuditHead
from dengbao.cli import main
from dengbao.core import hashchain
from tests.conftest import verified_client


def verify(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["audit", "verify", "--json", *args])
    return result.exit_code, json.loads(result.output)


@pytest.fixture
def sql(db):
    """Raw SQL on the audit tables as a database superuser could (PostgreSQL triggers off first)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_audithead DISABLE TRIGGER USER")

    def run(statement: str, params: list | tuple = ()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


@pytest.fixture
def chain(world_a) -> int:
    count = AuditEvent.objects.count()
    assert count >= 11
    assert verify()[0] == 0
    return count


@pytest.fixture
def key_copy(settings, tmp_path):
    """The chain's key copied to a file this test may break, the setting pointing at it."""
    copy = tmp_path / "audit.key"
    shutil.copy(keys.key_path(), copy)
    settings.DENGBAO_AUDIT_KEY_FILE = copy
    return copy


def relink_plain(sql, *, from_seq: int, algorithm: str) -> None:
    """Recompute every link from ``from_seq`` on as an attacker without the key can: plain digests."""
    prev = AuditEvent.objects.get(seq=from_seq - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=from_seq).order_by("seq"):
        new_hash = hashchain.link(hashchain.preferred_digest(), prev, event.chain_fields())
        sql(
            "UPDATE audit_auditevent SET algorithm = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [algorithm, prev, new_hash, event.seq],
        )
        prev = new_hash
    last = AuditEvent.objects.order_by("-seq").first()
    sql("UPDATE audit_audithead SET seq = %s, hash = %s WHERE id = 1", [last.seq, last.hash])


@pytest.mark.parametrize("claimed", ["keyed name", "plain name"])
def test_deleting_a_row_and_relinking_by_sql_is_named(chain, sql, claimed):
    sql("DELETE FROM audit_auditevent WHERE seq = 6")
    for seq in range(7, chain + 1):  # close the gap: renumber every later record
        sql("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [seq - 1, seq])
    algorithm = hashchain.preferred_algorithm() if claimed == "keyed name" else hashchain.preferred_digest()
    relink_plain(sql, from_seq=6, algorithm=algorithm)
    code, data = verify()
    assert code == 1
    assert data["intact"] is False
    assert data["broken_seq"] == 6
    assert data["records"] == chain - 1
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "第 6 条记录" in result.output


def test_altering_a_row_and_relinking_by_sql_is_named(chain, sql):
    sql("UPDATE audit_auditevent SET action = 'nothing.happened' WHERE seq = 4")
    relink_plain(sql, from_seq=4, algorithm=hashchain.preferred_algorithm())
    code, data = verify()
    assert (code, data["broken_seq"]) == (1, 4)
    assert "altered or re-linked" in data["reason"]


def test_the_web_verify_names_the_same_record(chain, sql, platform_users):
    sql("UPDATE audit_auditevent SET object_repr = 'x' WHERE seq = 5")
    client = verified_client(platform_users[PlatformRole.AUDITADMIN])
    response = client.post(reverse("audit:verify"), headers={"HX-Request": "true"})
    text = response.content.decode()
    assert 'data-intact="false"' in text
    assert "第 5 条记录" in text


def test_a_wrong_key_is_refused_clearly_and_stops_writing(chain, key_copy):
    key_copy.write_text(os.urandom(32).hex())
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 2
    assert "不是写入该审计链时使用的密钥" in result.output
    with pytest.raises(keys.AuditKeyError):
        services.record(actor=None, action="test.after_wrong_key")
    assert AuditEvent.objects.count() == chain


def test_a_missing_key_is_refused_clearly(chain, key_copy):
    key_copy.unlink()
    code, data = verify()
    assert code == 2
    assert data["key_problem"] is True
    assert "missing" in data["reason"]
    assert not key_copy.exists()  # verification never creates a key for an existing chain


def test_anchor_round_trip_catches_a_truncated_tail(chain, sql):
    result = CliRunner().invoke(main, ["audit", "anchor"])
    assert result.exit_code == 0, result.output
    anchor = result.output.strip()
    seq, digest = hashchain.parse_anchor(anchor)
    assert seq == chain and digest == AuditEvent.objects.get(seq=chain).hash
    assert verify("--anchor", anchor)[0] == 0
    # Cut the last three records and move the head back: the chain alone still links...
    sql("DELETE FROM audit_auditevent WHERE seq > %s", [chain - 3])
    last = AuditEvent.objects.get(seq=chain - 3)
    sql("UPDATE audit_audithead SET seq = %s, hash = %s WHERE id = 1", [last.seq, last.hash])
    assert verify()[0] == 0
    # ...but the anchor kept elsewhere does not.
    code, data = verify("--anchor", anchor)
    assert (code, data["broken_seq"]) == (1, chain)
    assert "truncated" in data["reason"]


def test_a_malformed_anchor_is_a_usage_error(chain):
    result = CliRunner().invoke(main, ["audit", "verify", "--anchor", "12:nothex"])
    assert result.exit_code == 2
    assert "SEQ:HASH" in result.output


def _unkey(sql, *, break_at: int | None = None) -> None:
    """Turn the chain back into what dengbao wrote before keys: plain links, no key fingerprint."""
    prev = hashchain.GENESIS
    for event in AuditEvent.objects.order_by("seq"):
        fields = event.chain_fields()
        new_hash = hashchain.link(hashchain.preferred_digest(), prev, fields)
        sql(
            "UPDATE audit_auditevent SET algorithm = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [hashchain.preferred_digest(), prev, new_hash, event.seq],
        )
        prev = new_hash
    sql("UPDATE audit_audithead SET hash = %s, key_id = '' WHERE id = 1", [prev])
    if break_at is not None:
        sql("UPDATE audit_auditevent SET actor_name = 'forged' WHERE seq = %s", [break_at])


def _run_rekey_migration() -> None:
    state = MigrationExecutor(connection).loader.project_state(("audit", "0004_rekey_chain"))
    module = __import__("dengbao.audit.migrations.0004_rekey_chain", fromlist=["forward"])
    module.forward(state.apps, SimpleNamespace(connection=connection))


def test_an_old_unkeyed_chain_is_rekeyed_once_and_the_rekey_recorded(chain, sql, settings, tmp_path):
    _unkey(sql)
    code, data = verify()
    assert (code, data["broken_seq"]) == (1, 1)  # an unkeyed chain does not pass as keyed
    assert "not keyed" in data["reason"]
    settings.DENGBAO_AUDIT_KEY_FILE = tmp_path / "new" / "audit.key"
    _run_rekey_migration()
    key_file = tmp_path / "new" / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert verify() == (0, {"intact": True, "records": chain + 1, "broken_seq": None, "reason": None})
    rekey = AuditEvent.objects.get(seq=chain + 1)
    assert rekey.action == "audit.rekey" and rekey.outcome == "ok"
    assert rekey.details["records"] == chain
    assert rekey.details["previous_chain_intact"] is True
    assert set(AuditEvent.objects.values_list("algorithm", flat=True)) == {hashchain.preferred_algorithm()}
    assert AuditHead.objects.get(pk=1).key_id == hashchain.key_id(keys.load())
    # Once only: a second run changes nothing and keeps the key file.
    before = key_file.read_text()
    _run_rekey_migration()
    assert AuditEvent.objects.count() == chain + 1 and key_file.read_text() == before
    # New records carry on the keyed chain.
    services.record(actor=None, action="test.after_rekey")
    assert verify()[0] == 0


def test_rekeying_a_tampered_old_chain_keeps_the_break_on_record(chain, sql, settings, tmp_path):
    settings.DENGBAO_AUDIT_KEY_FILE = tmp_path / "audit.key"
    _unkey(sql, break_at=3)
    _run_rekey_migration()
    rekey = AuditEvent.objects.order_by("-seq").first()
    assert rekey.action == "audit.rekey" and rekey.outcome == "failed"
    assert rekey.details["previous_chain_intact"] is False
    assert rekey.details["previous_break"]["seq"] == 3


def test_an_existing_key_file_is_never_overwritten(db, settings, tmp_path):
    path = tmp_path / "audit.key"
    path.write_text("ab" * 32)
    settings.DENGBAO_AUDIT_KEY_FILE = path
    assert keys.load(create=True) == bytes.fromhex("ab" * 32)
    assert path.read_text() == "ab" * 32
