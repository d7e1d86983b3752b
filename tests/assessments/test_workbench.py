"""Assessments, objects with their applicable units, and recording results safely."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dengbao.assessments import services
from dengbao.assessments.models import ResultRecord
from dengbao.core.catalogue import default, query
from dengbao.systems import services as system_services


def test_group_grade_takes_highest_s_and_a_and_every_extension(assessment):
    assert assessment.sa == "S3A3" and assessment.extensions == ["cloud"]
    assert assessment.rounds.get().label == "初测"


def test_ungraded_system_cannot_be_assessed(world_a):
    raw = system_services.system_create(
        actor=None, organisation=world_a.client, project=world_a.project, name="OA"
    )
    with pytest.raises(ValidationError, match="尚未定级"):
        services.assessment_create(
            actor=world_a.members["manager"], project=world_a.project, name="x", systems=[raw]
        )


def test_object_gets_exactly_its_applicable_units(world_a, assessment):
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="数据库管理系统", name="HIS-DB"
    )
    got = set(obj.results.values_list("unit_id", flat=True))
    expected = {
        i.id
        for i in query.for_grade(default(), "S3A3", extensions=["cloud"])
        if "数据库管理系统" in i.objects
    }
    assert got == expected and "L3-CES1-01" in got and not any(u.startswith("L3-PES") for u in got)
    room = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房"
    )
    assert all(u.startswith(("L3-PES1", "L3-PES2")) for u in room.results.values_list("unit_id", flat=True))
    with pytest.raises(ValidationError, match="已有名为"):
        services.object_add(
            actor=world_a.members["assessor"], assessment=assessment, kind="机房", name="主机房"
        )
    with pytest.raises(ValidationError, match="未知的对象类型"):
        services.object_add(actor=world_a.members["assessor"], assessment=assessment, kind="飞船", name="x")


def test_optimistic_lock_never_loses_an_update(world_a, assessment):
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="数据库管理系统", name="DB"
    )
    record = obj.results.get(unit_id="L3-CES1-01")
    a, b = world_a.members["assessor"], world_a.members["manager"]
    services.result_record(
        actor=a, record=record, value="部分符合", note="口令 8 位", methods=["核查"], version=0
    )
    stale = ResultRecord.objects.get(pk=record.pk)
    stale.version = 0  # b opened the page before a saved
    with pytest.raises(ValidationError, match=r"已被 .* 修改为“部分符合”"):
        services.result_record(actor=b, record=stale, value="符合", note="", methods=[], version=0)
    record.refresh_from_db()
    assert (record.result, record.note, record.version) == ("部分符合", "口令 8 位", 1)


def test_not_applicable_needs_a_reason_and_bad_values_are_refused(world_a, assessment):
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="数据库管理系统", name="DB"
    )
    record = obj.results.first()
    actor = world_a.members["assessor"]
    with pytest.raises(ValidationError, match="须填写理由"):
        services.result_record(actor=actor, record=record, value="不适用", note="", methods=[], version=0)
    with pytest.raises(ValidationError, match="未知的结果"):
        services.result_record(actor=actor, record=record, value="还行", note="", methods=[], version=0)
    with pytest.raises(ValidationError, match="未知的测评方法"):
        services.result_record(actor=actor, record=record, value="符合", note="", methods=["猜"], version=0)
    with pytest.raises(PermissionDenied):
        services.result_record(
            actor=world_a.members["client"], record=record, value="符合", note="", methods=[], version=0
        )


def test_checklist_page_and_autosave(world_a, assessment, login):
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="数据库管理系统", name="DB"
    )
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    page = client.get(f"{base}objects/{obj.pk}/").content.decode()
    assert page.count('class="row result-none') == obj.results.count()
    record = obj.results.get(unit_id="L3-CES1-01")
    r = client.post(
        f"{base}results/{record.pk}/",
        {"result": "符合", "note": "启用口令复杂度", "methods": ["核查"], "version": "0"},
    )
    assert (
        r.status_code == 200 and 'value="1"' in r.content.decode()
    )  # the row comes back with the new version
    r = client.post(f"{base}results/{record.pk}/", {"result": "不符合", "note": "", "version": "0"})
    assert "请刷新后再保存" in r.content.decode() and r["HX-Trigger"] == "dengbao-save-failed"
    record.refresh_from_db()
    assert record.result == "符合"
    assert login(world_a.members["client"]).get(f"{base}objects/{obj.pk}/").status_code == 403


def test_checklist_shows_test_steps_and_verdict_folded_with_the_agencys_wording(world_a, assessment, login):
    import re

    from dengbao.catalogue.models import UnitWording
    from dengbao.core.catalogue import default

    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="数据库管理系统", name="DB"
    )
    client = login(world_a.members["assessor"])
    url = f"/projects/proj-a/assessments/{assessment.pk}/objects/{obj.pk}/"

    def procedure(page: str, unit: str) -> str:
        row = page[page.index(f'data-unit="{unit}"') :]
        row = row[: row.index("</form>")]
        found = re.search(r"<details class=\"procedure\">.*?</details>", row, re.S)
        assert found, unit
        return found.group(0)

    item = default().by_id["L3-CES1-02"]
    assert item.steps and item.verdict
    shown = procedure(client.get(url).content.decode(), "L3-CES1-02")
    assert all(step in shown for step in item.steps) and item.verdict in shown  # the catalogue's text
    assert " open" not in shown.split(">", 1)[0]  # folded until opened
    UnitWording.objects.create(
        organisation=world_a.members["assessor"].organisation,
        unit_id="L3-CES1-02",
        steps=["核查数据库登录失败处理配置（本机构措辞）", "测试连续输错口令后是否锁定"],
        verdict="如果 1)～2) 均为肯定，则符合本测评单元指标要求，否则不符合或部分符合本测评单元指标要求。",
    )
    shown = procedure(client.get(url).content.decode(), "L3-CES1-02")
    assert "本机构措辞" in shown and "测试连续输错口令后是否锁定" in shown and item.steps[0] not in shown
    # the row drawn again after a save shows the same text
    record = obj.results.get(unit_id="L3-CES1-02")
    row = client.get(f"/projects/proj-a/assessments/{assessment.pk}/results/{record.pk}/").content.decode()
    assert "本机构措辞" in procedure(row, "L3-CES1-02")


def test_objects_bulk_import_all_or_nothing(world_a, assessment, login):
    import io

    import openpyxl

    def xlsx(rows):
        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        data = io.BytesIO()
        wb.save(data)
        data.seek(0)
        data.name = "objects.xlsx"
        return data

    client = login(world_a.members["assessor"])
    url = f"/projects/proj-a/assessments/{assessment.pk}/objects/import/"
    bad = xlsx(
        [
            ["对象类型", "名称", "重要程度"],
            ["机房", "主机房", "关键"],
            ["飞船", "X", ""],
            ["机房", "主机房", ""],
        ]
    )
    page = client.post(url, {"file": bad}, follow=True).content.decode()
    assert "第 3 行：未知的对象类型“飞船”" in page and "第 4 行：与第 2 行重名" in page
    assert assessment.test_objects.count() == 0
    good = xlsx(
        [
            ["对象类型", "名称", "IP/位置", "重要程度"],
            ["机房", "主机房", "A 栋 3 层", "关键"],
            ["人员", "科长", "", ""],
        ]
    )
    client.post(url, {"file": good})
    room = assessment.test_objects.get(name="主机房")
    assert (room.location, room.importance) == ("A 栋 3 层", "key") and room.results.count() > 0
    assert assessment.test_objects.count() == 2
    notcsv = io.BytesIO(b"\xff\xfe garbage")
    notcsv.name = "x.csv"
    assert "无法读取 CSV 文件" in client.post(url, {"file": notcsv}, follow=True).content.decode()


def test_phrases_grow_per_organisation_and_unit(world_a, world_b, assessment, login):
    from dengbao.assessments.models import Phrase

    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="数据库管理系统", name="DB"
    )
    record = obj.results.get(unit_id="L3-CES1-01")
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    text = "口令长度 8 位以上，含大小写字母、数字和特殊字符，90 天更换"
    r = client.post(f"{base}results/{record.pk}/phrase/", {"note": text})
    assert r.status_code == 200 and f'<option value="{text}">' in r.content.decode()
    client.post(f"{base}results/{record.pk}/phrase/", {"note": text})  # no duplicate
    assert Phrase.objects.filter(unit_id="L3-CES1-01").count() == 1
    assert (
        "结果记录为空" in client.post(f"{base}results/{record.pk}/phrase/", {"note": "  "}).content.decode()
    )
    page = client.get(f"{base}objects/{obj.pk}/").content.decode()
    assert page.count(f'<option value="{text}">') == 1  # offered on its own unit's row only
    from dengbao.assessments import selectors

    # another agency (project B's provider) has its own, empty, phrase book
    assert (
        selectors.phrases_by_unit(
            actor=world_b.members["manager"], project=world_b.project, units=["L3-CES1-01"]
        )
        == {}
    )
