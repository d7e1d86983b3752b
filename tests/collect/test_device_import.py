"""A device configuration imported into a 网络设备 object of the demo level-3 assessment (CLI, upload)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dengbao.accounts.models import User
from dengbao.assessments import services as assessment_services
from dengbao.assessments.models import Assessment
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from dengbao.collection.models import CollectedBundle, Proposal

from ..conftest import verified_client
from .test_device_rules import SECRETS

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "devices"
DEVICE_UNITS = {"L3-CES1-03", "L3-CES1-19", "L3-CNS1-07", "L3-ABS1-05", "L3-ABS1-07"}


def _demo_assessment() -> Assessment:
    assessment = Assessment.objects.get(name="HIS/EMR/LIS 等级测评（演示）")
    assert assessment.sa == "S3A3"
    return assessment


def test_cli_import_of_a_weak_switch_proposes_per_unit_and_keeps_no_secret(demo_db, monkeypatch):
    monkeypatch.setenv("DENGBAO_USER", "assessor")
    assessment = _demo_assessment()
    config = FIXTURES / "huawei-weak.cfg"
    args = ["collect", "import", "--assessment", str(assessment.pk), "--object", "核心交换机-1"]
    result = CliRunner().invoke(main, [*args, str(config), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"rules", "proposals", "units", "warnings"}
    assert out["rules"] == {"pass": 1, "fail": 24, "na": 0, "error": 0}
    units = {u["unit"]: u["result"] for u in out["units"]}
    assert out["proposals"] == len(units) >= 15
    assert DEVICE_UNITS <= set(units)
    assert units["L3-CES1-01"] == "部分符合" and units["L3-CES1-03"] == "不符合"
    assert not any("通常用于" in w for w in out["warnings"])  # a huawei bundle suits a 网络设备
    # the demo's results were entered by people: proposals are kept for review, never applied
    assert sum("已有人工录入的结果" in w for w in out["warnings"]) == out["proposals"]

    stored = CollectedBundle.objects.get()
    assert (stored.platform, stored.obj.name, stored.host["hostname"]) == ("huawei", "核心交换机-1", "Huawei")
    assert stored.file.name.endswith(".txt")
    kept = stored.file.read()
    assert hashlib.sha256(kept).hexdigest() == stored.sha256 and stored.size == len(kept)
    text = kept.decode("utf-8")
    assert "local-user admin password simple ******" in text
    stored_json = json.dumps([stored.rule_results, list(Proposal.objects.values_list("note", "evidence"))])
    for secret in SECRETS["huawei-weak"]:
        assert secret not in text and secret not in stored_json
    event = AuditEvent.objects.filter(action="collection.bundle_import").latest("pk")
    assert event.details["source_sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()
    assert Proposal.objects.filter(status="pending").count() == out["proposals"]


def test_upload_page_takes_device_configurations_and_matches_them_by_address(demo_db):
    assessment = _demo_assessment()
    assessor = User.objects.get(username="assessor")
    for name, location in (("出口路由器A", "203.0.113.2"), ("汇聚交换机B", "10.10.60.2")):
        assessment_services.object_add(
            actor=assessor, assessment=assessment, kind="网络设备", name=name, location=location
        )
    client = verified_client(assessor)
    files = [
        SimpleUploadedFile("LIS-EDGE-RTR1.txt", (FIXTURES / "cisco-hardened.cfg").read_bytes()),
        SimpleUploadedFile("EMR-AGG-SW2.log", (FIXTURES / "h3c-hardened.cfg").read_bytes()),
        SimpleUploadedFile("notes.txt", "会议纪要：核心交换机巡检".encode()),
    ]
    url = reverse(
        "collection:upload", kwargs={"project": assessment.project.slug, "assessment_id": assessment.pk}
    )
    response = client.post(url, {"bundles": files}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "LIS-EDGE-RTR1.txt → 出口路由器A" in page
    assert "EMR-AGG-SW2.log → 汇聚交换机B" in page
    assert "notes.txt：不是有效的采集包" in page
    bundles = {b.obj.name: b for b in CollectedBundle.objects.all()}
    assert set(bundles) == {"出口路由器A", "汇聚交换机B"}
    assert bundles["汇聚交换机B"].counts == {"pass": 26, "fail": 0, "na": 0, "error": 0}
    assert bundles["出口路由器A"].counts == {"pass": 26, "fail": 0, "na": 1, "error": 0}
    # new objects have no person's results: bulk accept writes every proposal
    proposals = Proposal.objects.filter(record__obj__name="汇聚交换机B")
    assert {p.result for p in proposals} == {"符合"} and DEVICE_UNITS <= {p.unit_id for p in proposals}
    accept = reverse(
        "collection:accept", kwargs={"project": assessment.project.slug, "assessment_id": assessment.pk}
    )
    client.post(accept, {"proposal": [str(p.pk) for p in proposals]}, follow=True)
    record = proposals.get(unit_id="L3-CES1-19").record
    record.refresh_from_db()
    assert record.result == "符合" and "ssh server acl 2000" in record.note
