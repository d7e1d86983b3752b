"""The reviewer gate, finalising a round, and the 复测 that starts from it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dengbao.assessments import selectors, services
from tests.assessments.helpers import waive_all


def _record_all(world, assessment, value="符合"):
    rnd = services.current_round(assessment)
    changes = [
        {"record_id": r.pk, "version": r.version, "result": value, "note": "ok", "methods": ["核查"]}
        for r in rnd.results.all()
    ]
    services.results_apply(actor=world.members["assessor"], rnd=rnd, changes=changes, source="test")
    return rnd


def test_reviewer_gate_blocks_finalising(world_a, assessment):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    rnd = services.current_round(assessment)
    pm, reviewer = world_a.members["manager"], world_a.members["reviewer"]
    with pytest.raises(ValidationError, match="未记录"):
        services.round_finalise(actor=pm, rnd=rnd)
    rnd = _record_all(world_a, assessment)
    record = rnd.results.first()
    with pytest.raises(PermissionDenied):
        services.result_review(
            actor=world_a.members["assessor"], record=record, decision="returned", comment="x"
        )
    with pytest.raises(ValidationError, match="须填写审核意见"):
        services.result_review(actor=reviewer, record=record, decision="returned", comment="")
    services.result_review(actor=reviewer, record=record, decision="returned", comment="证据不足")
    with pytest.raises(ValidationError, match="被审核员退回"):
        services.round_finalise(actor=pm, rnd=rnd)
    record.refresh_from_db()
    services.result_record(
        actor=world_a.members["assessor"],
        record=record,
        value="部分符合",
        note="补充截图",
        methods=["核查"],
        version=record.version,
    )
    waive_all(world_a, rnd)
    services.round_finalise(actor=pm, rnd=rnd)
    rnd.refresh_from_db()
    assert rnd.finalised_at is not None
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="已定稿"):
        services.result_record(
            actor=world_a.members["assessor"],
            record=record,
            value="符合",
            note="",
            methods=[],
            version=record.version,
        )


def test_retest_prefills_and_diffs(world_a, assessment):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    first = _record_all(world_a, assessment, value="不符合")
    pm = world_a.members["manager"]
    with pytest.raises(ValidationError, match="尚未定稿"):
        services.retest_start(actor=pm, assessment=assessment)
    waive_all(world_a, first)
    services.round_finalise(actor=pm, rnd=first)
    second = services.retest_start(actor=pm, assessment=assessment)
    assert second.label == "第1次复测" and second.results.count() == first.results.count()
    assert set(second.results.values_list("result", flat=True)) == {"不符合"}  # pre-filled
    fixed = second.results.order_by("unit_id").first()
    services.result_record(
        actor=world_a.members["assessor"],
        record=fixed,
        value="符合",
        note="已整改",
        methods=["核查"],
        version=fixed.version,
    )
    diff = selectors.round_diff(actor=pm, before=first, after=second)
    assert (
        selectors.round_score(actor=pm, rnd=second).compliance_rate
        > selectors.round_score(actor=pm, rnd=first).compliance_rate
    )
    assert diff == [("主机房", fixed.unit_id, "不符合", "符合")]
    assert (
        first.results.get(obj=fixed.obj, unit_id=fixed.unit_id).result == "不符合"
    )  # the first round keeps its own


def test_review_buttons_on_the_page(world_a, assessment, login):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    _record_all(world_a, assessment)
    obj = assessment.test_objects.get()
    record = obj.results.first()
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    reviewer = login(world_a.members["reviewer"])
    assert "审核通过" in reviewer.get(f"{base}objects/{obj.pk}/").content.decode()
    assert (
        "审核通过" not in login(world_a.members["assessor"]).get(f"{base}objects/{obj.pk}/").content.decode()
    )
    r = reviewer.post(f"{base}results/{record.pk}/review/", {"decision": "returned", "comment": "请补充"})
    assert "审核退回" in r.content.decode() and "请补充" in r.content.decode()


def test_round_score_and_live_badge(world_a, assessment, login):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    rnd = _record_all(world_a, assessment, value="符合")
    score = selectors.round_score(actor=world_a.members["manager"], rnd=rnd)
    assert (score.compliance_rate, score.conclusion) == (100.0, "符合")
    record = rnd.results.order_by("unit_id").first()
    services.result_record(
        actor=world_a.members["assessor"],
        record=record,
        value="不符合",
        note="",
        methods=[],
        version=record.version,
    )
    items = selectors.round_score(actor=world_a.members["manager"], rnd=rnd).items_scored
    expected = round((items - 1) / items * 100, 2)
    badge = login(world_a.members["assessor"]).get(f"/projects/proj-a/assessments/{assessment.pk}/score/")
    assert f'data-rate="{expected}"' in badge.content.decode()
    detail = (
        login(world_a.members["manager"])
        .get(f"/projects/proj-a/assessments/{assessment.pk}/")
        .content.decode()
    )
    assert "评分与结论" in detail and "chart-categories" in detail


def test_evidence_upload_hash_and_inline_view(world_a, assessment, login, settings, tmp_path):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房"
    )
    record = obj.results.first()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    r = client.post(
        f"{base}results/{record.pk}/evidence/", {"file": SimpleUploadedFile("门禁.png", png, "image/png")}
    )
    assert r.status_code == 200
    evidence = record.evidence.get()
    assert evidence.sha256 == hashlib.sha256(png).hexdigest() and len(evidence.sm3) == 64
    shown = client.get(f"{base}evidence/{evidence.pk}/")
    assert shown["Content-Type"] == "image/png" and b"".join(shown.streaming_content) == png
    assert login(world_a.members["client"]).get(f"{base}evidence/{evidence.pk}/").status_code == 403
    settings.DENGBAO_MAX_UPLOAD_BYTES = 10
    r = client.post(
        f"{base}results/{record.pk}/evidence/", {"file": SimpleUploadedFile("big.bin", b"x" * 5000)}
    )
    assert "文件过大" in r.content.decode() or r.status_code == 413
    assert record.evidence.count() == 1
    lying = SimpleUploadedFile("small.png", b"x" * 5000, "image/png")
    lying.size = 5  # the service counts what it reads, not what the request declares
    with pytest.raises(ValidationError, match="过大"):
        services.evidence_add(actor=world_a.members["assessor"], record=record, upload=lying)
    assert record.evidence.count() == 1


def test_copy_results_from_a_similar_object(world_a, assessment):
    actor = world_a.members["assessor"]
    a = services.object_add(actor=actor, assessment=assessment, kind="机房", name="主机房")
    b = services.object_add(actor=actor, assessment=assessment, kind="机房", name="灾备机房")
    c = services.object_add(actor=actor, assessment=assessment, kind="人员", name="科长")
    rnd = services.current_round(assessment)
    first = b.results.order_by("unit_id").first()
    services.result_record(actor=actor, record=first, value="不符合", note="自有结论", methods=[], version=0)
    changes = [
        {"record_id": r.pk, "version": r.version, "result": "符合", "note": "同上", "methods": ["核查"]}
        for r in a.results.all()
    ]
    services.results_apply(actor=actor, rnd=rnd, changes=changes, source="t")
    copied = services.results_copy(actor=actor, rnd=rnd, source=a, target=b)
    assert copied == b.results.count() - 1  # the recorded one is kept
    first.refresh_from_db()
    assert first.result == "不符合" and set(
        b.results.exclude(pk=first.pk).values_list("result", flat=True)
    ) == {"符合"}
    with pytest.raises(ValidationError, match="只能从同类对象复制"):
        services.results_copy(actor=actor, rnd=rnd, source=a, target=c)


def test_dashboard_shows_assessment_progress_rate_and_risks(world_a, assessment, login):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    rnd = _record_all(world_a, assessment, value="符合")
    client = login(world_a.members["client"])
    # while the round is being recorded its figures are the provider's draft
    page = client.get("/projects/proj-a/").content.decode()
    assert "HIS/LIS" in page and "符合率" not in page and "测评进行中" in page
    waive_all(world_a, rnd)
    services.round_finalise(actor=world_a.members["manager"], rnd=rnd)
    page = client.get("/projects/proj-a/").content.decode()
    assert "HIS/LIS" in page and "符合率 <strong>100.00%</strong>" in page and "100%" in page
    assert f"/assessments/{assessment.pk}/problems/" in page  # the client may read the gap list
    assert f'href="/projects/proj-a/assessments/{assessment.pk}/"' not in page  # but not the working papers


def test_overall_adjustment_raises_a_result_with_its_reason(world_a, assessment, login):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    rnd = _record_all(world_a, assessment, value="符合")
    record = rnd.results.order_by("unit_id").first()
    services.result_record(
        actor=world_a.members["assessor"],
        record=record,
        value="不符合",
        note="",
        methods=[],
        version=record.version,
    )
    pm = world_a.members["manager"]
    low = selectors.round_score(actor=pm, rnd=rnd).compliance_rate
    client = login(world_a.members["assessor"])
    url = f"/projects/proj-a/assessments/{assessment.pk}/adjustments/"
    refused = client.post(
        url, {"unit_id": record.unit_id, "to": "符合", "kind": "区域间", "reason": " "}, follow=True
    )
    assert "必须写明调整理由" in refused.content.decode()
    client.post(
        url, {"unit_id": record.unit_id, "to": "符合", "kind": "区域间", "reason": "机房所在大楼有门禁和值守"}
    )
    score = selectors.round_score(actor=pm, rnd=rnd)
    assert score.compliance_rate == 100.0 > low
    (applied,) = score.adjustments
    assert (applied.before, applied.after, applied.reason) == ("不符合", "符合", "机房所在大楼有门禁和值守")
    page = login(pm).get(f"/projects/proj-a/assessments/{assessment.pk}/").content.decode()
    assert "机房所在大楼有门禁和值守" in page
    unknown = client.post(
        url, {"unit_id": "L3-XXX1-01", "to": "符合", "kind": "区域间", "reason": "x"}, follow=True
    )
    assert "没有" in unknown.content.decode()


def test_progress_by_category(world_a, assessment, login):
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="人员", name="科长")
    rnd = services.current_round(assessment)
    room = assessment.test_objects.get(name="主机房")
    changes = [
        {"record_id": r.pk, "version": 0, "result": "符合", "note": "", "methods": []}
        for r in room.results.all()
    ]
    services.results_apply(actor=world_a.members["assessor"], rnd=rnd, changes=changes, source="t")
    progress = dict(
        (name, (done, total))
        for name, done, total in selectors.category_progress(actor=world_a.members["manager"], rnd=rnd)
    )
    room_units = set(room.results.values_list("unit_id", flat=True))
    assert {u[3:6] for u in room_units} == {"PES"}  # a machine room only has 安全物理环境 units
    assert progress["安全物理环境"][0] == len(room_units)  # all of the room's recorded, none of the person's
    assert all(done == 0 for name, (done, _t) in progress.items() if name != "安全物理环境")
    assert sum(total for _d, total in progress.values()) == rnd.results.count()
    page = (
        login(world_a.members["manager"])
        .get(f"/projects/proj-a/assessments/{assessment.pk}/")
        .content.decode()
    )
    assert "各安全类进度" in page


def test_a_system_without_scan_or_pentest_needs_a_recorded_reason(world_a, assessment):
    """Finalising is refused while a system has neither a scan nor a pen-test nor a waiver; the waiver
    is audited, and a scan imported for the system is enough on its own."""
    from pathlib import Path

    from dengbao.audit.models import AuditEvent
    from dengbao.scanning import import_services

    services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房")
    rnd = _record_all(world_a, assessment)
    pm = world_a.members["manager"]
    his, lis = assessment.systems.get(code="HIS"), assessment.systems.get(code="LIS")
    with pytest.raises(ValidationError, match="HIS、LIS 未导入漏洞扫描或渗透测试结果"):
        services.round_finalise(actor=pm, rnd=rnd)
    with pytest.raises(ValidationError, match="理由"):
        services.verification_waive(actor=pm, rnd=rnd, system=lis, reason="  ")
    with pytest.raises(PermissionDenied):
        services.verification_waive(
            actor=world_a.members["client"], rnd=rnd, system=lis, reason="厂商不支持扫描"
        )
    services.verification_waive(actor=pm, rnd=rnd, system=lis, reason="厂商不支持在线扫描，以配置核查代替")
    event = AuditEvent.objects.filter(action="round.verification_waive").get()
    assert "厂商不支持在线扫描" in str(event.details)
    with pytest.raises(ValidationError, match="HIS 未导入") as refused:
        services.round_finalise(actor=pm, rnd=rnd)
    assert "LIS" not in str(refused.value)
    sample = Path(__file__).parents[2] / "src/dengbao/scanning/data/hospital-quarterly.nessus"
    import_services.import_scan(
        actor=world_a.members["assessor"], project=world_a.project, fmt="nessus", path=sample, system=his
    )
    services.round_finalise(actor=pm, rnd=rnd)
    rnd.refresh_from_db()
    assert rnd.finalised_at is not None
