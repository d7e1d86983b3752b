"""Every hostile file of tests/importers/hostile.py through the CLI (exit 2, a message, no traceback)
and through the API (400 with the message), leaving nothing stored."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.accounts.roles import ProjectRole
from dengbao.cli import main
from dengbao.scanning.finding_models import Finding
from dengbao.scanning.models import Import
from tests.api.conftest import token_client
from tests.importers.hostile import HOSTILE

pytestmark = pytest.mark.django_db
IDS = [f"{name}-{fmt}" for name, fmt, _c, _r in HOSTILE]


@pytest.mark.parametrize(("name", "fmt", "content", "reason"), HOSTILE, ids=IDS)
def test_cli_refuses_with_exit_2_and_a_message(world, tmp_path, name, fmt, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    user = world.members[ProjectRole.ASSESSOR].username
    args = ["import-scan", "--project", world.project.slug, "--user", user, "--format", fmt, str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a handled refusal, not an escaped exception
    assert reason in result.output and f"{name}：" in result.output and "Traceback" not in result.output
    assert not Import.objects.exists() and not Finding.objects.exists()


@pytest.mark.parametrize(("name", "fmt", "content", "reason"), HOSTILE, ids=IDS)
def test_api_answers_400_with_the_message(world, name, fmt, content, reason):
    client = token_client(world.members[ProjectRole.ASSESSOR])
    upload = SimpleUploadedFile(name, content)
    answer = client.post(f"/api/projects/{world.project.slug}/scan-imports", {"file": upload, "format": fmt})
    assert answer.status_code == 400, answer.content
    assert reason in answer.json()["detail"]
    assert not Import.objects.exists()


def test_a_bad_declared_target_is_refused(world, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    user = world.members[ProjectRole.ASSESSOR].username
    args = ["import-scan", "--project", world.project.slug, "--user", user, "--format", "nuclei", str(path)]
    result = CliRunner().invoke(main, [*args, "--covers", "10.0.0.0/33"])
    assert result.exit_code == 2 and "声明的扫描目标“10.0.0.0/33”不是有效的网段" in result.output
    result = CliRunner().invoke(main, [*args, "--covers", "10.0.0.0/30", "--json"])
    assert result.exit_code == 0 and Import.objects.get().coverage["networks"] == ["10.0.0.0/30"]


def test_the_cli_offers_every_registered_format():
    from dengbao.commands.scanning import FORMATS
    from dengbao.core.importers import importers

    assert set(FORMATS) == set(importers())
