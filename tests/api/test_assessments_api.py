"""The workbench API: summaries and score as the scoring engine computes them, results in batches."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from dengbao.assessments import problem_services, selectors, services
from dengbao.assessments.models import ResultRecord
from dengbao.audit.models import AuditEvent
from tests.assessments.helpers import HARM3, graded

BASE = "/api/projects/proj-a/assessments"


@pytest.fixture
def assessment(world_a):
    his = graded(world_a, "HIS", HARM3, HARM3)
    made = services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[his]
    )
    for name in ("HIS-DB", "HIS-APP"):
        services.object_add(
            actor=world_a.members["assessor"], assessment=made, kind="服务器/操作系统", name=name
        )
    return made


def _post(client, url, body):
    return client.post(url, json.dumps(body, ensure_ascii=False), content_type="application/json")


def _records(assessment, name):
    return list(ResultRecord.objects.filter(obj__assessment=assessment, obj__name=name).order_by("unit_id"))


def _change(record, result, **extra):
    return {"record_id": record.pk, "version": record.version, "result": result, "methods": ["核查"], **extra}


def test_summary_and_score_are_the_scoring_engines(world_a, assessment, as_role):
    client = as_role("assessor")
    listed = client.get(BASE).json()
    assert [(a["name"], a["sa"], a["round"]["label"]) for a in listed] == [("HIS", "S3A3", "初测")]
    assert listed[0]["progress"] == 0 and listed[0]["compliance_rate"] is None

    db = _records(assessment, "HIS-DB")
    changes = [_change(r, "符合") for r in db[:6]] + [_change(db[6], "不符合"), _change(db[7], "部分符合")]
    changes.append(_change(db[8], "不适用", na_reason="未部署该组件"))
    answer = _post(client, f"{BASE}/{assessment.pk}/results", {"changes": changes, "source": "测试脚本"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["applied"] == 9
    assert {r["record_id"]: r["version"] for r in body["records"]} == {r.pk: 1 for r in db[:9]}
    assert ResultRecord.objects.get(pk=db[6].pk).result == "不符合"
    assert AuditEvent.objects.filter(action="result.bulk_update").count() == 1

    rnd = services.current_round(assessment)
    expected = selectors.round_score(actor=world_a.members["manager"], rnd=rnd)
    summary = client.get(BASE).json()[0]
    total = ResultRecord.objects.filter(round=rnd).count()
    assert (summary["recorded"], summary["total"]) == (9, total)
    assert summary["progress"] == round(9 / total * 100)
    assert summary["compliance_rate"] == expected.compliance_rate
    assert summary["conclusion"] == expected.conclusion

    answer = client.get(f"{BASE}/{assessment.pk}/rounds/1/score").json()
    assert answer["round"]["label"] == "初测" and answer["reason"] == ""
    score = answer["score"]
    assert score == json.loads(json.dumps(expected.as_dict(), ensure_ascii=False))
    assert score["compliance_rate"] == summary["compliance_rate"]

    detail = client.get(f"{BASE}/{assessment.pk}").json()
    assert [r["number"] for r in detail["rounds"]] == [1] and detail["current_round"] == 1
    by_name = {o["name"]: o for o in detail["objects"]}
    assert (by_name["HIS-DB"]["recorded"], by_name["HIS-APP"]["recorded"]) == (9, 0)
    assert by_name["HIS-DB"]["total"] == len(db)


def test_an_empty_round_has_no_score_yet(assessment, as_role):
    # an unfinished round is the provider's draft: the client contact does not learn its score
    assert as_role("client").get(f"{BASE}/{assessment.pk}/rounds/1/score").status_code == 404
    answer = as_role("manager").get(f"{BASE}/{assessment.pk}/rounds/1/score")
    assert answer.status_code == 200
    assert answer.json()["score"] is None and answer.json()["reason"].startswith("本轮尚不能计分")
    assert as_role("manager").get(f"{BASE}/{assessment.pk}/rounds/9/score").status_code == 404


def test_results_of_one_object_are_paginated(assessment, as_role):
    client = as_role("assessor")
    db = _records(assessment, "HIS-DB")
    obj_id = db[0].obj_id
    first = client.get(f"{BASE}/{assessment.pk}/results", {"object_id": obj_id, "limit": 10}).json()
    assert first["count"] == len(db) and len(first["items"]) == 10
    seen = [i["id"] for i in first["items"]]
    offset = 10
    while offset < len(db):
        more = client.get(
            f"{BASE}/{assessment.pk}/results", {"object_id": obj_id, "limit": 10, "offset": offset}
        )
        seen += [i["id"] for i in more.json()["items"]]
        offset += 10
    assert sorted(seen) == sorted(r.pk for r in db) and len(set(seen)) == len(seen)
    assert {i["object"] for i in first["items"]} == {"HIS-DB"}
    item = first["items"][0]
    assert item["unit_id"].startswith("L3-") and item["requirement"] and item["version"] == 0
    everything = client.get(f"{BASE}/{assessment.pk}/results", {"limit": 1000}).json()
    assert everything["count"] == ResultRecord.objects.filter(obj__assessment=assessment).count()


def test_a_stale_version_is_409_naming_the_record_and_nothing_changes(world_a, assessment, as_role):
    db = _records(assessment, "HIS-DB")
    read = _change(db[0], "不符合")  # the script read db[0] at version 0 …
    services.result_record(  # … and the manager saved it meanwhile
        actor=world_a.members["manager"], record=db[0], value="符合", note="", methods=["访谈"], version=0
    )
    before = {r.pk: (r.result, r.version) for r in ResultRecord.objects.filter(pk__in=[db[0].pk, db[1].pk])}
    stale = [read, _change(db[1], "符合")]
    answer = _post(as_role("assessor"), f"{BASE}/{assessment.pk}/results", {"changes": stale})
    assert answer.status_code == 409
    body = answer.json()
    assert [r["record_id"] for r in body["records"]] == [db[0].pk]
    assert body["records"][0]["sent_version"] == 0 and body["records"][0]["version"] == 1
    assert body["records"][0]["unit_id"] == db[0].unit_id and body["records"][0]["object"] == "HIS-DB"
    assert db[0].unit_id in body["detail"]
    after = {r.pk: (r.result, r.version) for r in ResultRecord.objects.filter(pk__in=[db[0].pk, db[1].pk])}
    assert after == before == {db[0].pk: ("符合", 1), db[1].pk: ("", 0)}


def test_bad_input_is_400_with_the_reason(assessment, as_role):
    client = as_role("assessor")
    db = _records(assessment, "HIS-DB")
    url = f"{BASE}/{assessment.pk}/results"
    na = _post(client, url, {"changes": [_change(db[0], "不适用")]})
    assert na.status_code == 400 and "不适用" in na.json()["detail"]
    missing = _post(client, url, {"changes": [{"record_id": db[0].pk}]})
    assert missing.status_code == 400 and "version" in missing.json()["detail"]
    garbage = client.post(url, "not json", content_type="application/json")
    assert garbage.status_code == 400 and garbage.json()["detail"] == "请求体不是有效的 JSON"
    assert not ResultRecord.objects.filter(round__assessment=assessment).exclude(result="").exists()


def test_the_client_contact_cannot_post_results_or_read_working_papers(assessment, as_role):
    client = as_role("client")
    db = _records(assessment, "HIS-DB")
    answer = _post(client, f"{BASE}/{assessment.pk}/results", {"changes": [_change(db[0], "符合")]})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "您没有权限执行此操作。"
    assert ResultRecord.objects.get(pk=db[0].pk).version == 0
    assert client.get(f"{BASE}/{assessment.pk}/results").status_code == 403
    assert client.get(BASE).status_code == 200  # the summary is the client's too


def test_a_foreign_project_is_404(assessment, stranger):
    record = _records(assessment, "HIS-DB")[0]
    for url in (
        BASE,
        f"{BASE}/{assessment.pk}",
        f"{BASE}/{assessment.pk}/rounds/1/score",
        f"{BASE}/{assessment.pk}/results",
        f"{BASE}/{assessment.pk}/problems",
    ):
        answer = stranger.get(url)
        assert answer.status_code == 404, url
        assert answer.json()["detail"] == "项目不存在，或您不是该项目的成员。"
    posted = _post(stranger, f"{BASE}/{assessment.pk}/results", {"changes": [_change(record, "符合")]})
    assert posted.status_code == 404
    assert stranger.post(f"{BASE}/{assessment.pk}/results", {}).status_code == 404  # body never read
    assert ResultRecord.objects.get(pk=record.pk).version == 0


def test_problems_of_the_current_round_filter_by_risk(world_a, assessment, as_role):
    db = _records(assessment, "HIS-DB")
    rnd = services.current_round(assessment)
    services.results_apply(
        actor=world_a.members["assessor"],
        rnd=rnd,
        changes=[_change(r, "不符合") for r in db[:3]],
        source="test",
    )
    problem_services.problems_sync(actor=world_a.members["assessor"], rnd=rnd)
    problems = list(rnd.problems.order_by("unit_id"))
    assert len(problems) == 3
    high = problems[0]
    problem_services.problem_update(
        actor=world_a.members["assessor"],
        problem=high,
        title=high.title,
        description=high.description,
        remediation=high.remediation,
        risk="高",
    )
    # the gap list is the client's to read once the round is finalised; a draft before that
    assert as_role("client").get(f"{BASE}/{assessment.pk}/problems").status_code == 404
    rnd.finalised_at = timezone.now()
    rnd.save(update_fields=["finalised_at"])
    client = as_role("client")
    everything = client.get(f"{BASE}/{assessment.pk}/problems").json()
    assert everything["round"] == 1 and everything["count"] == 3
    assert {p["unit_id"] for p in everything["items"]} == {r.unit_id for r in db[:3]}
    only_high = client.get(f"{BASE}/{assessment.pk}/problems", {"risk": "高"}).json()
    assert [(p["id"], p["risk"]) for p in only_high["items"]] == [(high.pk, "高")]
    assert only_high["items"][0]["objects"] == ["HIS-DB"]
