"""CSV export of the audit log, on the web and from the command line: who may, what it holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings

from asgiref.sync import async_to_sync
from click.testing import CliRunner
from django.test import AsyncClient
from django.utils import timezone

from dengbao.accounts import services as account_services
from dengbao.accounts.roles import OrganisationKind, PlatformRole
from dengbao.audit.models import AuditEvent
from dengbao.cli import main

from .conftest import FORMULA

BOM = "\ufeff".encode()


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def column(rows: list[list[str]], title_start: str) -> int:
    return next(i for i, title in enumerate(rows[0]) if title.startswith(title_start))


def test_web_export_neutralises_formulas_and_is_audited(world_a, auditor, login):
    account_services.organisation_create(actor=None, name=FORMULA, kind=OrganisationKind.CLIENT)
    response = login(auditor).get("/audit/export/", {"action": "organisation.create"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = parse(b"".join(response.streaming_content))
    objects = [row[column(rows, "对象 object")] for row in rows[1:]]
    assert objects[0] == "'" + FORMULA  # newest first, the leading quote keeps Excel from evaluating it
    assert sorted(objects[1:]) == ["医院-proj-a", "机构-proj-a"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_id == auditor.pk
    assert export.details == {"filters": {"action": "organisation.create"}, "rows": 3}


def test_web_export_rows_match_the_log(world_a, auditor, login):
    expected = list(AuditEvent.objects.order_by("-seq").values_list("seq", "action", "hash"))
    rows = parse(b"".join(login(auditor).get("/audit/export/").streaming_content))
    seq, action, digest = column(rows, "序号"), column(rows, "操作 action"), column(rows, "哈希")
    assert [(int(r[seq]), r[action], r[digest]) for r in rows[1:]] == expected
    newest = AuditEvent.objects.get(seq=expected[0][0])
    assert rows[1][column(rows, "时间")] == timezone.localtime(newest.at).strftime("%Y-%m-%d %H:%M:%S")


def test_web_export_is_refused_to_everyone_else(world_a, platform_users, login):
    for user in [platform_users[PlatformRole.SYSADMIN], world_a.members["manager"]]:
        assert login(user).get("/audit/export/").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()
    assert AuditEvent.objects.filter(action="permission.denied").count() == 2


def test_cli_export_for_the_auditor(world_a, auditor, tmp_path):
    account_services.organisation_create(actor=None, name=FORMULA, kind=OrganisationKind.CLIENT)
    target = tmp_path / "audit.csv"
    result = CliRunner().invoke(main, ["audit", "export", "-o", str(target), "--user", auditor.username])
    assert result.exit_code == 0, result.output
    rows = parse(target.read_bytes())
    logged = AuditEvent.objects.exclude(action="audit.export").count()
    assert len(rows) == 1 + logged
    assert f"已导出 {logged} 条" in result.output
    assert "'" + FORMULA in [row[column(rows, "对象 object")] for row in rows]
    assert target.stat().st_mode & 0o077 == 0  # the log is not for other local accounts
    export = AuditEvent.objects.get(action="audit.export")
    assert (export.actor_id, export.ip, export.details["channel"]) == (auditor.pk, "cli", "cli")


def test_cli_export_date_range(world_a, auditor, tmp_path):
    today = timezone.localdate()
    target = tmp_path / "audit.csv"
    runner = CliRunner()
    args = ["audit", "export", "-o", str(target), "--user", auditor.username]
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert runner.invoke(main, [*args, "--until", yesterday]).exit_code == 0
    assert len(parse(target.read_bytes())) == 1  # the header only
    result = runner.invoke(
        main, [*args, "--since", today.isoformat(), "--until", today.isoformat(), "--json"]
    )
    assert result.exit_code == 0
    assert len(parse(target.read_bytes())) > 10
    assert f'"date_from": "{today.isoformat()}"' in result.output


def test_cli_export_refused_for_others(world_a, platform_users, tmp_path):
    target = tmp_path / "audit.csv"
    sysadmin = platform_users[PlatformRole.SYSADMIN]
    result = CliRunner().invoke(main, ["audit", "export", "-o", str(target), "--user", sysadmin.username])
    assert result.exit_code == 1
    assert "权限不足" in result.output and "audit.read" in result.output
    assert not target.exists()
    denial = AuditEvent.objects.get(action="permission.denied")
    assert (denial.actor_id, denial.details["wanted"]) == (sysadmin.pk, "audit.read")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_cli_export_needs_a_user(world_a, tmp_path, monkeypatch):
    monkeypatch.delenv("DENGBAO_USER", raising=False)
    result = CliRunner().invoke(main, ["audit", "export", "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 2
    assert "--user" in result.output


def test_web_export_streams_under_asgi(world_a, auditor, login):
    """`dengbao run` serves ASGI: the export must reach it as an async stream, not a list built in memory."""
    client = AsyncClient()
    client.cookies = login(auditor).cookies

    async def fetch():
        response = await client.get("/audit/export/", {"action": "user.create"})
        return response, b"".join([chunk async for chunk in response.streaming_content])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns when it has to read a sync iterator into a list
        response, data = async_to_sync(fetch)()
    assert response.status_code == 200 and response.is_async
    rows = parse(data)
    assert sorted(row[column(rows, "对象 object")] for row in rows[1:]) == sorted(
        AuditEvent.objects.filter(action="user.create").values_list("object_repr", flat=True)
    )
