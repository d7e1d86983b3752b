"""The weak Windows host's bundle imported into an object of the demo's level-3 assessment."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dengbao.assessments.models import Assessment
from dengbao.cli import main
from dengbao.collection.models import CollectedBundle, Proposal

from .test_windows_rules import WEAK_L3
from .windows_bundle import bundle

pytestmark = pytest.mark.django_db


def test_weak_windows_bundle_proposes_per_unit_in_the_demo(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv("DENGBAO_USER", "assessor")
    path = tmp_path / "dengbao-windows-WIN-EMR-DB01.zip"
    path.write_bytes(bundle("weak", kind="zip"))
    assessment = Assessment.objects.get(name="HIS/EMR/LIS 等级测评（演示）")
    assert assessment.sa == "S3A3"
    result = CliRunner().invoke(
        main,
        [
            "collect",
            "import",
            "--assessment",
            str(assessment.pk),
            "--object",
            "EMR数据库服务器",
            str(path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["rules"] == {"pass": 4, "fail": 56, "na": 0, "error": 1}
    # 数据保密性 a) does not list 服务器/操作系统 among its test objects: the demo object has no
    # record for it, so that unit's verdict is only a warning
    expected = {u: r for u, r in WEAK_L3.items() if u != "L3-CES1-27"}
    assert out["proposals"] == len(expected)
    assert {u["unit"]: u["result"] for u in out["units"]} == expected
    assert any(w.startswith("L3-CES1-27：不适用于") for w in out["warnings"])
    assert "features：超出采集时限，未执行" in out["warnings"]
    assert "规则 windows.no-unneeded-features：采集包缺少：features" in out["warnings"]
    # the demo's results were entered by people: proposals wait beside them, nothing is overwritten
    assert sum("已有人工录入的结果" in w for w in out["warnings"]) == out["proposals"]

    stored = CollectedBundle.objects.get(obj__name="EMR数据库服务器", obj__assessment=assessment)
    assert stored.platform == "windows" and stored.host["hostname"] == "WIN-EMR-DB01"
    assert stored.counts == out["rules"]
    proposals = Proposal.objects.filter(record__obj__name="EMR数据库服务器", status="pending")
    by_unit = {p.unit_id: p for p in proposals}
    assert set(by_unit) == set(expected)
    assert by_unit["L3-CES1-02"].result == "不符合"
    assert "账户锁定阈值为 0" in by_unit["L3-CES1-02"].note
    assert by_unit["L3-CES1-28"].result == "部分符合"
    assert (
        "NoLMHash 为 1" in by_unit["L3-CES1-28"].note
        and "ClearTextPassword 为 1" in by_unit["L3-CES1-28"].note
    )
