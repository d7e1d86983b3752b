"""Inspection and hardening: checklists per organisation, visits with results and evidence,
hardening from the manual, the occurrence proved by its record, and the record for documents."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from dengbao.audit.models import AuditEvent
from dengbao.core.catalogue.vocab import OBJECT_TYPES
from dengbao.core.engagement import hardening, inspection
from dengbao.engagements import hardening_services, inspection_services, record_selectors
from dengbao.engagements.inspection_models import HardeningAction, InspectionResult, InspectionVisit

from . import factories

BASE = "/projects/proj-a/engagement/"


@pytest.fixture
def contract(world_a):
    return factories.contract(world_a)


def test_every_object_type_has_a_default_checklist_and_the_manual_has_four_parts():
    assert set(inspection.DEFAULTS) == set(OBJECT_TYPES)
    host = inspection.DEFAULTS["服务器/操作系统"]
    assert {"系统状态", "补丁", "账户", "日志", "备份", "资源使用"} <= {i.category for i in host}
    assert [g.title for g in hardening.MANUAL] == ["Linux 服务器", "Windows 服务器", "数据库", "网络设备"]
    assert all(len(m.steps) >= 3 and m.verify for g in hardening.MANUAL for m in g.measures)
    assert [g.key for g in hardening.guides_for("数据库管理系统")] == ["database"]


def test_checklist_lines_round_trip_and_bad_lines_are_named():
    items = inspection.parse_lines("补丁 | 内核版本 | 最新\n\n账户｜空口令检查\n只写内容")
    assert items == [
        inspection.Item("补丁", "内核版本", "最新"),
        inspection.Item("账户", "空口令检查", ""),
        inspection.Item("其他", "只写内容", ""),
    ]
    assert inspection.parse_lines(inspection.format_lines(items)) == items
    with pytest.raises(ValueError, match="第 2 行"):
        inspection.parse_lines("a | b\na | b | c | d")
    with pytest.raises(ValueError, match="至少需要一条"):
        inspection.parse_lines("  \n")


def test_manager_edits_the_organisations_checklist_and_a_new_visit_uses_it(world_a, contract, login):
    url = BASE + "inspections/templates/"
    form = {"object_type": "数据库管理系统", "text": "备份 | 每日全量备份 | 成功\n账户 | sa 账户已禁用"}
    assert login(world_a.members["assessor"]).post(url, form).status_code == 403
    assert login(world_a.members["client"]).post(url, form).status_code == 403
    manager = login(world_a.members["manager"])
    manager.post(url, form)
    template = world_a.provider.inspection_templates.get(object_type="数据库管理系统")
    assert [i.item for i in template.items.all()] == ["每日全量备份", "sa 账户已禁用"]
    assert AuditEvent.objects.filter(action="inspection.template", project_id=world_a.project.pk).count() == 1
    page = manager.post(url, {"object_type": "数据库管理系统", "text": "a|b|c|d"}, follow=True)
    assert "第 1 行" in page.content.decode() and template.items.count() == 2
    assert manager.post(url, {"object_type": "不存在", "text": "a"}, follow=True).status_code == 200
    visit = inspection_services.visit_create(
        actor=world_a.members["assessor"],
        contract=contract,
        visited_on=dt.date(2020, 3, 31),
        targets=[
            {"object_type": "数据库管理系统", "name": "HIS-DB"},
            {"object_type": "网络设备", "name": "核心交换机"},
        ],
    )
    db, switch = visit.targets.all()
    assert [r.item for r in db.results.all()] == ["每日全量备份", "sa 账户已禁用"]
    assert switch.results.count() == len(inspection.DEFAULTS["网络设备"])
    # editing again never changes the visit's copy; resetting returns to the default
    manager.post(url, {"object_type": "数据库管理系统", "reset": "1"})
    assert not world_a.provider.inspection_templates.exists()
    assert [r.item for r in db.results.all()] == ["每日全量备份", "sa 账户已禁用"]


def test_visit_results_evidence_and_the_occurrence_proved(world_a, contract, login, settings):
    occurrence = contract.occurrences.filter(kind="inspection").order_by("due_on").first()
    his = world_a.project.systems.get(code="HIS")
    assessor = login(world_a.members["assessor"])
    form = {
        "visited_on": "2020-03-30",
        "occurrence": str(occurrence.pk),
        "object_type": ["服务器/操作系统", "网络设备"],
        "object_name": ["HIS-APP01", ""],
        "object_system": [str(his.pk), ""],
    }
    assert login(world_a.members["client"]).post(BASE + "inspections/", form).status_code == 403
    response = assessor.post(BASE + "inspections/", form)
    visit = InspectionVisit.objects.get(contract=contract)
    assert response["Location"].endswith(f"/inspections/{visit.pk}/")
    (target,) = visit.targets.all()
    assert (target.name, target.system, visit.occurrence, visit.inspector) == (
        "HIS-APP01", his, occurrence, world_a.members["assessor"],
    )  # fmt: skip
    first, second, *rest = target.results.all()
    results_url = f"{BASE}inspections/{visit.pk}/objects/{target.pk}/"
    page = assessor.post(results_url, {f"outcome-{second.pk}": "abnormal"}, follow=True).content.decode()
    assert "请填写说明" in page
    assessor.post(
        results_url,
        {
            f"outcome-{first.pk}": "normal",
            f"outcome-{second.pk}": "abnormal",
            f"note-{second.pk}": "缺 3 个补丁",
        },
    )
    second.refresh_from_db()
    assert (second.outcome, second.note) == ("abnormal", "缺 3 个补丁")
    assert InspectionResult.objects.get(pk=first.pk).outcome == "normal"
    assert all(r.outcome == "not_checked" for r in rest)
    # evidence: bounded, hashed, readable by the client
    evidence_url = f"{BASE}inspections/{visit.pk}/items/{second.pk}/evidence/"
    settings.DENGBAO_MAX_UPLOAD_BYTES = 1024
    big = assessor.post(evidence_url, {"file": SimpleUploadedFile("big.png", b"x" * 2048)}, follow=True)
    assert "过大" in big.content.decode() and not second.evidence.exists()
    assert assessor.get(evidence_url).status_code == 405
    assert login(world_a.members["client"]).get(evidence_url).status_code == 403  # permission before 405
    assessor.post(evidence_url, {"file": SimpleUploadedFile("补丁.png", b"PNG-data")})
    evidence = second.evidence.get()
    assert (evidence.size, evidence.sha256) == (8, hashlib.sha256(b"PNG-data").hexdigest())
    download = login(world_a.members["client"]).get(f"{BASE}inspections/{visit.pk}/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == b"PNG-data"
    # finishing proves the occurrence with a link to the record and freezes it
    finish_url = f"{BASE}inspections/{visit.pk}/finish/"
    assessor.post(finish_url, {"summary": "1 项异常，已安排加固"})
    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.done_on) == ("done", dt.date(2020, 3, 30))
    assert occurrence.proof == f"/projects/proj-a/engagement/inspections/{visit.pk}/"
    services_page = login(world_a.members["client"]).get(BASE + "services/").content.decode()
    assert f'href="{occurrence.proof}"' in services_page
    late = assessor.post(
        results_url, {f"outcome-{first.pk}": "abnormal", f"note-{first.pk}": "x"}, follow=True
    )
    assert "巡检已完成" in late.content.decode()
    assert InspectionResult.objects.get(pk=first.pk).outcome == "normal"
    actions = list(AuditEvent.objects.filter(project_id=world_a.project.pk, action__startswith="inspection.")
                   .values_list("action", flat=True))  # fmt: skip
    assert actions == [
        "inspection.create", "inspection.results", "inspection.evidence", "inspection.finish",
    ]  # fmt: skip
    # the same occurrence cannot be proved twice
    with pytest.raises(ValidationError, match="已有巡检记录"):
        inspection_services.visit_create(
            actor=world_a.members["assessor"], contract=contract, visited_on=dt.date(2020, 3, 30),
            targets=[{"object_type": "终端", "name": "PC"}], occurrence=occurrence,
        )  # fmt: skip


def test_a_visit_needs_objects_of_this_project_and_a_result_to_finish(world_a, world_b, contract):
    assessor = world_a.members["assessor"]
    with pytest.raises(ValidationError, match="至少填写一个"):
        inspection_services.visit_create(
            actor=assessor, contract=contract, visited_on=dt.date(2020, 3, 1), targets=[]
        )
    factories.contract(world_b)
    foreign = world_b.project.systems.first()
    with pytest.raises(ValidationError, match="不属于本项目"):
        inspection_services.visit_create(
            actor=assessor, contract=contract, visited_on=dt.date(2020, 3, 1),
            targets=[{"object_type": "终端", "name": "PC", "system_id": foreign.pk}],
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        inspection_services.visit_create(
            actor=world_b.members["assessor"], contract=contract, visited_on=dt.date(2020, 3, 1),
            targets=[{"object_type": "终端", "name": "PC"}],
        )  # fmt: skip
    visit = factories.visit(world_a)
    with pytest.raises(ValidationError, match="尚未记录任何检查结果"):
        inspection_services.visit_finish(actor=assessor, visit=visit, summary="结论")


def test_automated_results_are_attached_bounded(world_a, contract):
    target = factories.visit(world_a).targets.get()
    data = {"source": "baseline", "checks": [{"id": "ssh.root", "ok": False}]}
    inspection_services.target_attach_automated(actor=None, target=target, results=data)
    target.refresh_from_db()
    assert target.automated_results == data
    with pytest.raises(ValidationError, match="过大"):
        inspection_services.target_attach_automated(
            actor=None, target=target, results={"blob": "x" * (300 * 1024)}
        )
    with pytest.raises(PermissionDenied):
        inspection_services.target_attach_automated(
            actor=world_a.members["client"], target=target, results={}
        )
    assert AuditEvent.objects.filter(action="inspection.automated", outcome="ok").count() == 1


def test_hardening_from_the_manual_steps_done_then_verified(world_a, contract, login):
    visit = factories.visit(world_a)
    target = visit.targets.get()
    result = target.results.first()
    inspection_services.results_record(
        actor=world_a.members["assessor"], target=target, results={result.pk: ("abnormal", "root 可远程登录")}
    )
    assessor = login(world_a.members["assessor"])
    form = {"visit": str(visit.pk), "result": str(result.pk), "measure": "linux.ssh"}
    assert login(world_a.members["client"]).post(BASE + "hardening/", form).status_code == 403
    assessor.post(BASE + "hardening/", form)
    action = HardeningAction.objects.get(contract=contract)
    manual = hardening.measure("linux.ssh")
    assert (action.title, action.target, action.result, action.verify_method) == (
        manual.title, target, result, manual.verify,
    )  # fmt: skip
    assert [s.text for s in action.steps.all()] == list(manual.steps)
    url = f"{BASE}hardening/{action.pk}/"
    page = assessor.post(url, {"op": "done"}, follow=True).content.decode()
    assert "还有步骤未完成：1、2、3、4、5" in page
    for step in action.steps.all():
        assessor.post(url, {"op": "step", "position": str(step.position), "done": "1", "note": "ok"})
    assessor.post(url, {"op": "done"})
    action.refresh_from_db()
    assert action.status == "done" and action.done_by == world_a.members["assessor"]
    assert login(world_a.members["client"]).post(url, {"op": "verify", "passed": "1"}).status_code == 403
    assessor.post(url, {"op": "verify", "passed": "0", "verification": "仍可 telnet"})
    action.refresh_from_db()
    assert action.status == "failed" and not action.steps.filter(done_at__isnull=False).exists()
    for step in action.steps.all():
        hardening_services.step_record(actor=world_a.members["assessor"], step=step, done=True)
    hardening_services.action_done(actor=world_a.members["assessor"], action=action)
    assessor.post(url, {"op": "verify", "passed": "1", "verification": "外网无法连接 SSH"})
    action.refresh_from_db()
    assert (action.status, action.verified_by) == ("verified", world_a.members["assessor"])
    with pytest.raises(ValidationError, match="已验证"):
        hardening_services.action_cancel(actor=world_a.members["assessor"], action=action, reason="x")
    assert AuditEvent.objects.filter(action="hardening.verify").count() == 2
    # a hand-written action needs a title and steps
    with pytest.raises(ValidationError, match="请填写加固措施"):
        hardening_services.action_create(actor=world_a.members["assessor"], contract=contract, steps=["a"])
    own = hardening_services.action_create(
        actor=world_a.members["assessor"],
        contract=contract,
        title="关闭 FTP",
        steps=["停止服务", "", "禁用自启"],
    )
    assert [s.text for s in own.steps.all()] == ["停止服务", "禁用自启"]
    for role in world_a.members:  # every member reads the pages
        assert login(world_a.members[role]).get(BASE + "hardening/").status_code == 200
        assert login(world_a.members[role]).get(f"{BASE}inspections/{visit.pk}/").status_code == 200


def test_inspection_record_for_documents(world_a, contract, login):
    visit = factories.visit(world_a)
    target = visit.targets.get()
    first, second = target.results.all()[:2]
    assessor = world_a.members["assessor"]
    inspection_services.results_record(
        actor=assessor, target=target, results={first.pk: ("normal", ""), second.pk: ("abnormal", "缺补丁")}
    )
    inspection_services.evidence_add(
        actor=assessor, result=second, upload=SimpleUploadedFile("a.txt", b"abc")
    )
    factories.hardening_action(world_a)
    record = record_selectors.inspection_record(
        actor=world_a.members["client"], project=world_a.project, visit_id=visit.pk
    )
    assert record["visit"]["visited_on"] == "2020-03-31" and record["visit"]["inspector"] == str(assessor)
    (obj,) = record["objects"]
    assert (obj["type"], obj["name"]) == ("服务器/操作系统", "HIS-DB01")
    assert record["counts"] == {"not_checked": len(obj["results"]) - 2, "normal": 1, "abnormal": 1}
    assert obj["results"][1]["outcome_label"] == "异常" and obj["results"][1]["note"] == "缺补丁"
    assert obj["results"][1]["evidence"] == [
        {"filename": "a.txt", "size": 3, "sha256": hashlib.sha256(b"abc").hexdigest()}
    ]
    (action,) = record["hardening"]
    assert action["manual_part"] == "Linux 服务器" and action["status_label"] == "待加固"
    assert len(action["steps"]) == len(hardening.measure("linux.ssh").steps)
    with pytest.raises(Http404):
        record_selectors.inspection_record(
            actor=world_a.members["client"], project=world_a.project, visit_id=0
        )
