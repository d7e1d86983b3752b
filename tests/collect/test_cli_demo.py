"""Done-when: the script runs here; its bundle, imported into the demo level-3 assessment, proposes."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from dengbao.assessments.models import Assessment
from dengbao.cli import main
from dengbao.collection.models import Proposal

pytestmark = pytest.mark.django_db


def test_script_then_import_into_the_demo_level3_assessment(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv("DENGBAO_USER", "assessor")
    runner = CliRunner()
    script = tmp_path / "c.sh"
    result = runner.invoke(main, ["collect", "script", "linux", "-o", str(script)])
    assert result.exit_code == 0, result.output
    done = subprocess.run(
        ["sh", "c.sh", "bundle.tar.gz"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assessment = Assessment.objects.get(name="HIS/EMR/LIS 等级测评（演示）")
    assert assessment.sa == "S3A3"
    result = runner.invoke(
        main,
        [
            "collect",
            "import",
            "--assessment",
            str(assessment.pk),
            "--object",
            "HIS应用服务器-1",
            str(tmp_path / "bundle.tar.gz"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"rules", "proposals", "units", "warnings"}
    assert sum(out["rules"][k] for k in ("pass", "fail", "na", "error")) >= 40
    assert out["rules"]["pass"] + out["rules"]["fail"] >= 40
    assert out["proposals"] >= 10
    assert all(u["unit"].startswith("L3-CES1-") for u in out["units"])
    # every demo result was entered by a person: each proposal says so, and accepting writes none
    assert sum("已有人工录入的结果" in w for w in out["warnings"]) == out["proposals"]
    result = runner.invoke(main, ["collect", "accept", "--assessment", str(assessment.pk), "--all", "--json"])
    assert result.exit_code == 0, result.output
    accepted = json.loads(result.output)
    assert accepted["accepted"] == [] and len(accepted["skipped"]) == out["proposals"]
    assert Proposal.objects.filter(status="pending").count() == out["proposals"]

    stats = runner.invoke(main, ["collect", "rules", "stats", "--json"])
    data = json.loads(stats.output)
    assert data["by_platform"]["linux"] >= 40
    assert {u["unit"] for u in out["units"]} <= set(data["units"]["L3"])


def test_import_refuses_a_bad_bundle_with_exit_code_2(world_a, tmp_path):
    from dengbao.assessments import services

    from ..assessments.helpers import HARM3, graded

    assessment = services.assessment_create(
        actor=world_a.members["manager"],
        project=world_a.project,
        name="HIS",
        systems=[graded(world_a, "HIS", HARM3, HARM3)],
    )
    services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="服务器/操作系统", name="S1"
    )
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a bundle")
    args = ["collect", "import", "--project", "proj-a", "--user", "proj-a-assessor", "--assessment"]
    result = CliRunner().invoke(main, [*args, str(assessment.pk), "--object", "S1", str(bad)])
    assert result.exit_code == 2
    assert "不是有效的采集包" in result.output
    result = CliRunner().invoke(main, [*args, str(assessment.pk), "--object", "S9", str(bad)])
    assert result.exit_code == 2 and "S9" in result.output
    assert Proposal.objects.count() == 0
