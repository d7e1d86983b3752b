"""Rules over screenshots' recognised text: proposals from a rendered password-policy dialog, marked
lower-confidence in the engine, the stored proposal, the proposals page and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.assessments import services as assessment_services
from dengbao.assessments.models import Evidence, OcrState
from dengbao.audit.models import AuditEvent
from dengbao.collection.models import CollectedBundle, Proposal
from dengbao.core import collect, ocr
from tests.ocr.screenshot import policy_dialog_png

from ..assessments.helpers import HARM3, graded

WEAK = (
    ("密码必须符合复杂性要求", "已禁用"),
    ("密码长度最小值", "6 个字符"),
    ("账户锁定阈值", "0 次无效登录"),
)


def _results(png: bytes) -> dict[str, collect.RuleResult]:
    text = ocr.read_text(png).text
    return {r.rule.id: r for r in collect.evaluate(collect.load_rules(platform="ocr"), {"ocr_text": text})}


def test_policy_dialog_passes_and_the_proposal_is_low_confidence():
    results = _results(policy_dialog_png())
    minlen = results["ocr.windows.password-min-length"]
    assert minlen.state is collect.State.PASS and minlen.values["MINLEN"] == "8"
    assert "密码长度最小值为 8 个字符" in minlen.sentence
    assert minlen.evidence[0].artefact == "ocr_text" and "密码长度最小值" in minlen.evidence[0].text
    assert results["ocr.windows.password-complexity"].state is collect.State.PASS
    lockout = results["ocr.windows.lockout-threshold"]  # OCR reads 阈 as 阀 at times: the rule takes both
    assert lockout.state is collect.State.PASS and lockout.values["THRESHOLD"] == "5"
    assert all(r.low_confidence and r.as_dict()["confidence"] == "low" for r in results.values())
    proposals = {p.unit: p for p in collect.propose(results.values(), level="L3")}
    assert proposals["L3-CES1-01"].result == "符合" and proposals["L3-CES1-01"].low_confidence
    assert proposals["L3-CES1-02"].result == "符合" and proposals["L3-CES1-02"].low_confidence


def test_weak_policy_fails_and_unrelated_screenshot_decides_nothing():
    results = _results(policy_dialog_png(WEAK))
    assert {k: r.state for k, r in results.items()} == {
        "ocr.windows.password-min-length": collect.State.FAIL,
        "ocr.windows.password-complexity": collect.State.FAIL,
        "ocr.windows.lockout-threshold": collect.State.FAIL,
    }
    proposals = {p.unit: p.result for p in collect.propose(results.values(), level="L3")}
    assert proposals == {"L3-CES1-01": "不符合", "L3-CES1-02": "不符合"}
    unrelated = _results(policy_dialog_png((("远程桌面", "已启用"), ("Windows Defender", "实时保护已开启"))))
    assert all(r.state is collect.State.NA for r in unrelated.values())
    assert collect.propose(unrelated.values(), level="L3") == []


def test_collected_output_is_not_low_confidence():
    rule = next(r for r in collect.load_rules(platform="linux") if r.id == "linux.pass-max-days")
    result = collect.evaluate([rule], {"login_defs": "PASS_MAX_DAYS 90\n"})[0]
    assert result.state is collect.State.PASS and not result.low_confidence
    assert "confidence" not in result.as_dict()


@pytest.fixture
def server(world_a):
    system = graded(world_a, "HIS", HARM3, HARM3)
    assessment = assessment_services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[system]
    )
    return assessment_services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="服务器/操作系统", name="HIS-WIN"
    )


def test_screenshot_uploaded_in_the_checklist_becomes_low_confidence_proposals(
    world_a, server, login, django_capture_on_commit_callbacks
):
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{server.assessment_id}/"
    record = server.results.get(unit_id="L3-CES1-01")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{base}results/{record.pk}/evidence/",
            {"file": SimpleUploadedFile("secpol.png", policy_dialog_png(), content_type="image/png")},
        )
    evidence = Evidence.objects.get(record=record)
    assert evidence.ocr_state == OcrState.DONE

    r = client.post(f"{base}collection/screenshots/", {"object": server.pk})
    assert r.status_code == 302
    proposals = {p.unit_id: p for p in Proposal.objects.all()}
    assert set(proposals) == {"L3-CES1-01", "L3-CES1-02"}
    assert all(p.low_confidence and p.result == "符合" for p in proposals.values())
    bundle = CollectedBundle.objects.get()
    assert bundle.platform == "ocr" and bundle.counts == {"pass": 3, "fail": 0, "na": 0, "error": 0}
    snapshot = json.loads(bundle.file.read())
    assert snapshot["screenshots"][0]["sha256"] == evidence.sha256  # which screenshot it read
    assert "密码长度最小值" in snapshot["artefacts"][f"ocr:{evidence.pk}"]
    assert AuditEvent.objects.filter(action="collection.screenshots_propose").exists()

    page = client.get(f"{base}collection/").content.decode()
    row = page[page.index(f'id="proposal-{proposals["L3-CES1-01"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "低置信度 · 截图识别" in row and "密码长度最小值为 8 个字符" in row

    result = CliRunner().invoke(
        __import__("dengbao.cli", fromlist=["main"]).main,
        ["evidence", "propose", "--project", "proj-a", "--assessment", str(server.assessment_id),
         "--object", "HIS-WIN", "--json", "--user", world_a.members["assessor"].username],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {u["unit"]: u["confidence"] for u in out["units"]} == {"L3-CES1-01": "low", "L3-CES1-02": "low"}
    assert Proposal.objects.filter(status=Proposal.Status.SUPERSEDED).count() == 2  # the first two


def test_object_without_read_screenshots_is_refused(world_a, server, login):
    client = login(world_a.members["assessor"])
    r = client.post(f"/projects/proj-a/assessments/{server.assessment_id}/collection/screenshots/",
                    {"object": server.pk}, follow=True)  # fmt: skip
    assert "没有已识别文字的截图证据" in r.content.decode() and not Proposal.objects.exists()
    viewer = login(world_a.members["client"])
    r = viewer.post(f"/projects/proj-a/assessments/{server.assessment_id}/collection/screenshots/",
                    {"object": server.pk})  # fmt: skip
    assert r.status_code in (403, 404)
