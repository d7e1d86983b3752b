"""Issue #13, finding 1 from the outside: `dengbao template` and the template upload page.

The CLI runs as a user would run it (a subprocess, exit codes, stderr); the upload goes through
the management page as the system administrator, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from dengbao.core.documents import kinds

from .test_template_sandbox import NESTED_BILLION, read_attack, template_with, write_attack

DENGBAO = [str(Path(sys.executable).parent / "dengbao")]


def dengbao(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run ``dengbao`` in ``cwd`` with its own HOME and TMPDIR under ``cwd.parent`` (watched by the tests)."""
    base = cwd.parent
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DENGBAO_TEMPLATE_")}
    environment.update(HOME=str(base / "home"), TMPDIR=str(base / "tmp"), **env)
    return subprocess.run(
        [*DENGBAO, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False
    )


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def workdir(tmp_path) -> Path:
    for name in ("work", "home", "tmp"):
        (tmp_path / name).mkdir()
    return tmp_path / "work"


def test_help_lists_every_kind(workdir):
    shown = dengbao("template", "--help", cwd=workdir)
    assert shown.returncode == 0
    for key, spec in kinds.KINDS.items():
        assert key in shown.stdout and spec.label in shown.stdout
    assert "scan_report" in dengbao("template", "check", "--help", cwd=workdir).stdout


def test_export_check_and_render_of_the_shipped_template(workdir):
    exported = dengbao("template", "export", "--kind", "assessment_report", "-o", "mine.docx", cwd=workdir)
    assert exported.returncode == 0, exported.stderr
    assert (workdir / "mine.docx").read_bytes() == kinds.KINDS["assessment_report"].default.read_bytes()
    checked = dengbao("template", "check", "--kind", "assessment_report", "mine.docx", cwd=workdir)
    assert checked.returncode == 0, checked.stderr
    assert "通过检查" in checked.stdout
    rendered = dengbao(
        "template", "render", "--kind", "assessment_report", "mine.docx", "-o", "out.docx", cwd=workdir
    )
    assert rendered.returncode == 0, rendered.stderr
    document = docx.Document(str(workdir / "out.docx"))
    assert any("附录D" in p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 2 + len(kinds.sample_context("assessment_report")["categories"])
    assert listing(workdir) == {"mine.docx", "out.docx"}


def test_unknown_kind_is_a_usage_error(workdir):
    refused = dengbao("template", "check", "--kind", "nope", __file__, cwd=workdir)
    assert refused.returncode == 2 and "unknown kind 'nope'" in refused.stderr


def test_check_and_render_refuse_a_file_attack_and_write_nothing_else(workdir):
    """Neither command writes outside its output: not the attack's target, not TMPDIR, not HOME, not cwd."""
    base = workdir.parent
    secret = base / "secret.txt"
    secret.write_text("SECRET-7b1d-CONTENT")
    target = base / "owned.pth"
    template_with(
        workdir,
        "scan_report",
        read_attack("severity_chart", secret),
        write_attack("severity_chart", target),
        name="evil.docx",
    )
    before = listing(base)
    checked = dengbao("template", "check", "--kind", "scan_report", "evil.docx", cwd=workdir)
    assert checked.returncode == 2
    assert "未通过检查" in checked.stderr and "severity_chart.tpl" in checked.stderr
    rendered = dengbao(
        "template", "render", "--kind", "scan_report", "evil.docx", "-o", "out.docx", cwd=workdir
    )
    assert rendered.returncode == 2
    assert "模板不能读取字符串的属性“tpl”" in rendered.stderr
    assert "SECRET-7b1d" not in checked.stdout + checked.stderr + rendered.stdout + rendered.stderr
    assert not target.exists()
    assert listing(base) == before  # nothing new anywhere, TMPDIR and HOME included


def test_render_of_a_billion_iterations_stops_with_the_limit_named(workdir):
    template_with(workdir, "ticket_record", NESTED_BILLION, name="loop.docx")
    stopped = dengbao(
        "template",
        "render",
        "--kind",
        "ticket_record",
        "loop.docx",
        "-o",
        "out.docx",
        cwd=workdir,
        DENGBAO_TEMPLATE_CPU_SECONDS="3",
        DENGBAO_TEMPLATE_WALL_SECONDS="120",
    )
    assert stopped.returncode == 2
    assert "模板 loop.docx 渲染超过 CPU 时间上限 3 秒，已停止" in stopped.stderr
    assert not (workdir / "out.docx").exists()
    assert not list((workdir.parent / "tmp").iterdir())  # the child's work directory is gone


# --- the upload page --------------------------------------------------------------------------


@pytest.fixture
def sysadmin(db, world_a, login):
    from tests.conftest import make_user

    user = make_user(world_a.provider, platform_role="sysadmin", username="tpl-sysadmin")
    return user, login(user)


def _upload(client, kind: str, path: Path):
    upload = io.BytesIO(path.read_bytes())
    upload.name = path.name
    return client.post("/manage/templates/", {"kind": kind, "file": upload})


def test_an_uploaded_template_that_reads_a_file_is_refused_and_cannot_be_switched_on(
    sysadmin, tmp_path, settings
):
    from dengbao.reports.models import DocumentTemplate

    settings.MEDIA_ROOT = tmp_path / "media"
    _, client = sysadmin
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7b1d-CONTENT")
    evil = template_with(tmp_path, "monitoring_report", read_attack("uptime_chart", secret), name="evil.docx")
    response = _upload(client, "monitoring_report", evil)
    assert response.status_code == 302
    stored = DocumentTemplate.objects.get(filename="evil.docx")
    assert stored.problems and "uptime_chart.tpl" in stored.problems[0]
    client.post(f"/manage/templates/{stored.pk}/activate/", {"active": "1"})
    stored.refresh_from_db()
    assert not stored.active
    page = client.get("/manage/templates/")
    assert "SECRET-7b1d" not in page.content.decode()


def test_an_uploaded_template_over_a_limit_is_refused_with_the_limit_named(sysadmin, tmp_path, settings):
    from dengbao.core.documents import isolation
    from dengbao.reports.models import DocumentTemplate

    settings.MEDIA_ROOT = tmp_path / "media"
    _, client = sysadmin
    loop = template_with(tmp_path, "gap_list", NESTED_BILLION, name="loop.docx")
    before = isolation.configured()
    isolation.configure(isolation.RenderLimits(cpu_seconds=2, wall_seconds=120))
    try:
        _upload(client, "gap_list", loop)
    finally:
        isolation.configure(before)
    stored = DocumentTemplate.objects.get(filename="loop.docx")
    assert stored.problems == ["用演示数据渲染失败：模板 loop.docx 渲染超过 CPU 时间上限 2 秒，已停止"]
