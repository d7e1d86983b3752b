"""Problems from results, high-risk judgement, 重大风险隐患, the gap list (page, Excel, who may change it)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from dengbao.assessments import problem_services, services
from dengbao.assessments.models import Problem, ResultRecord
from dengbao.core import problems as core
from dengbao.core.catalogue import default, query

from .helpers import HARM2, HARM3
from .helpers import graded as _graded


def _record(world, obj, unit, value, note=""):
    record = ResultRecord.objects.get(obj=obj, unit_id=unit)
    return services.result_record(
        actor=world.members["assessor"],
        record=record,
        value=value,
        note=note,
        methods=["核查"],
        version=record.version,
    )


@pytest.fixture
def l3(world_a):
    his = _graded(world_a, "HIS", HARM3, HARM3)
    assessment = services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[his]
    )
    add = lambda kind, name: services.object_add(  # noqa: E731
        actor=world_a.members["assessor"], assessment=assessment, kind=kind, name=name
    )
    return assessment, add("数据库管理系统", "HIS-DB"), add("服务器/操作系统", "HIS-OS")


def _sync(world, assessment):
    rnd = services.current_round(assessment)
    return problem_services.problems_sync(actor=world.members["assessor"], rnd=rnd), rnd


def _shortfalls(world, db, os_):
    _record(world, db, "L3-CES1-01", "不符合", "存在空口令账户 sa")
    _record(world, os_, "L3-CES1-01", "部分符合", "口令长度 8 位，未定期更换")
    _record(world, os_, "L3-CES1-02", "部分符合", "未配置登录超时")
    _record(world, db, "L3-CES1-02", "符合")
    _record(world, db, "L3-CES1-03", "符合")


# --- the pure core ---------------------------------------------------------------------------


def test_match_cases_honours_min_level_and_conditions():
    cat = default()
    [match] = core.match_cases(cat, "L3-CES1-01", 3)
    assert match.case.id == "6.4.1.1" and not match.unconfirmed and match.note == ""
    two_factor = [c for c in query.high_risk_for(cat, "L3-CES1-04") if c.min_level == 3]
    assert two_factor, "the catalogue should judge L3-CES1-04 with a level-3 case (6.4.1.3)"
    assert core.match_cases(cat, "L3-CES1-04", 2) == []
    assert [m.case.id for m in core.match_cases(cat, "L3-CES1-04", 3)] == [two_factor[0].id]
    # 6.2.1.3 only for systems with high business-continuity needs
    [unknown] = core.match_cases(cat, "L3-CNS1-05", 3)
    assert unknown.case.id == "6.2.1.3" and unknown.unconfirmed == ("业务连续性要求高",)
    assert "须确认适用条件" in unknown.note and "业务连续性要求高" in unknown.note
    [known] = core.match_cases(cat, "L3-CNS1-05", 3, {"业务连续性要求高"})
    assert known.unconfirmed == ()
    assert core.match_cases(cat, "L3-CNS1-05", 3, absent={"业务连续性要求高"}) == []
    # 7.3.1.1 judges cloud platforms and cloud customers alike
    [cloud] = core.match_cases(cat, "L3-ABS2-01", 3, {"云服务客户"}, absent={"云计算平台"})
    assert cloud.case.id == "7.3.1.1" and cloud.unconfirmed == ()


def test_propose_one_problem_per_unit_with_objects_and_default_risk():
    rows = [
        core.Row("L3-CES1-01", "DB", "不符合", "空口令"),
        core.Row("L3-CES1-01", "OS", "部分符合", "口令 8 位"),
        core.Row("L3-CES1-01", "APP", "符合"),
        core.Row("L3-CES1-02", "OS", "部分符合"),
        core.Row("L3-CES1-03", "OS", "符合"),
        core.Row("L3-CES1-05", "OS", "不适用"),
    ]
    got = {p.unit: p for p in core.propose(rows, default(), level=3)}
    assert set(got) == {"L3-CES1-01", "L3-CES1-02"}
    first = got["L3-CES1-01"]
    assert first.objects == ("DB", "OS") and first.risk == core.Risk.MEDIUM
    assert first.proposed_risk == core.Risk.HIGH and first.case.case.id == "6.4.1.1"
    assert "DB（不符合）：空口令" in first.description and "OS（部分符合）：口令 8 位" in first.description
    assert first.description.startswith("测评要求：应对登录的用户进行身份标识和鉴别")
    assert got["L3-CES1-02"].risk == core.Risk.LOW and got["L3-CES1-02"].cases == ()
    assert core.resolved_units(rows) == {"L3-CES1-03"}
    assert core.resolved_units([core.Row("X", "a", "符合"), core.Row("X", "b", "")]) == set()


def test_count_text_and_conditions_from_systems():
    assert core.count_text(2, 1) == "2（1个已整改）"
    assert core.count_text(10, 5) == "10（5个已整改）"
    assert core.count_text(3, 0) == "3"
    holds, absent = core.known_conditions([core.SystemTraits(("cloud",))], extensions=["cloud"])
    assert "云服务客户" in holds and "云计算平台" in absent and "工业控制系统" in absent
    holds, absent = core.known_conditions(
        [core.SystemTraits(("cloud",), support_platform=True)],
        holds=["业务连续性要求高"],
        absent=["云计算平台"],
    )
    assert holds == {"业务连续性要求高"} and {"云计算平台", "云服务客户"} <= absent


# --- sync ----------------------------------------------------------------------------------------


def test_sync_creates_one_problem_per_non_compliant_unit(world_a, l3):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    report, rnd = _sync(world_a, assessment)
    assert (report.created, report.fixed) == (2, 0)
    problems = {p.unit_id: p for p in rnd.problems.all()}
    assert set(problems) == {"L3-CES1-01", "L3-CES1-02"}
    auth = problems["L3-CES1-01"]
    assert {o.name for o in auth.test_objects.all()} == {"HIS-DB", "HIS-OS"}
    assert auth.risk == "中" and "存在空口令账户 sa" in auth.description
    assert (auth.high_risk_case, auth.case_status) == ("6.4.1.1", "proposed")
    timeout = problems["L3-CES1-02"]
    assert [o.name for o in timeout.test_objects.all()] == ["HIS-OS"] and timeout.risk == "低"
    assert timeout.case_status == "none" and timeout.high_risk_case == ""
    again, _ = _sync(world_a, assessment)  # idempotent
    assert (again.created, again.updated) == (0, 0) and rnd.problems.count() == 2


def test_compliant_later_marks_fixed_and_keeps_human_edits(world_a, l3):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    timeout = rnd.problems.get(unit_id="L3-CES1-02")
    problem_services.problem_update(
        actor=world_a.members["assessor"],
        problem=timeout,
        title="未配置登录超时退出",
        description="操作系统未配置 TMOUT",
        remediation="在 /etc/profile 中设置 TMOUT=600",
        risk="中",
    )
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    problem_services.problem_update(
        actor=world_a.members["assessor"],
        problem=auth,
        title=auth.title,
        description=auth.description,
        remediation="启用口令复杂度策略，删除空口令账户",
        risk=auth.risk,
    )
    _record(world_a, os_, "L3-CES1-02", "符合", "已配置 TMOUT=600")
    _record(world_a, db, "L3-CES1-01", "符合")  # only the OS still falls short
    report, _ = _sync(world_a, assessment)
    assert report.fixed == 1 and rnd.problems.count() == 2
    timeout.refresh_from_db()
    assert timeout.status == "fixed" and timeout.fixed_at is not None
    assert (timeout.title, timeout.remediation, timeout.risk) == (
        "未配置登录超时退出",
        "在 /etc/profile 中设置 TMOUT=600",
        "中",
    )
    auth.refresh_from_db()
    assert [o.name for o in auth.test_objects.all()] == ["HIS-OS"]
    assert auth.remediation == "启用口令复杂度策略，删除空口令账户"  # kept
    assert "sa" not in auth.description and auth.risk == "低"  # not edited: refreshed
    _record(world_a, os_, "L3-CES1-02", "不符合", "TMOUT 被删除")
    report, _ = _sync(world_a, assessment)
    timeout.refresh_from_db()
    assert report.reopened == 1 and timeout.status == "open" and timeout.description == "操作系统未配置 TMOUT"


def test_confirm_makes_high_risk_and_needs_a_reason(world_a, l3):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    actor = world_a.members["assessor"]
    with pytest.raises(ValidationError, match="判定理由"):
        problem_services.case_confirm(actor=actor, problem=auth, reason="  ")
    auth.refresh_from_db()
    assert auth.risk == "中" and auth.case_status == "proposed"
    problem_services.case_confirm(actor=actor, problem=auth, reason="sa 空口令可远程登录，无缓解措施")
    auth.refresh_from_db()
    assert (auth.risk, auth.case_status, auth.case_decided_by) == ("高", "confirmed", actor)
    _sync(world_a, assessment)  # a later sync keeps the judgement
    auth.refresh_from_db()
    assert (auth.risk, auth.case_status, auth.high_risk_case) == ("高", "confirmed", "6.4.1.1")


def test_reject_keeps_the_risk_and_stores_the_reason(world_a, l3):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    with pytest.raises(ValidationError):
        problem_services.case_reject(actor=world_a.members["assessor"], problem=auth, reason="")
    problem_services.case_reject(
        actor=world_a.members["assessor"], problem=auth, reason="数据库仅允许本地登录，且启用双因素认证"
    )
    auth.refresh_from_db()
    assert (auth.risk, auth.case_status) == ("中", "rejected")
    assert auth.case_reason == "数据库仅允许本地登录，且启用双因素认证"
    _sync(world_a, assessment)
    auth.refresh_from_db()
    assert auth.case_status == "rejected" and auth.risk == "中"
    timeout = rnd.problems.get(unit_id="L3-CES1-02")
    with pytest.raises(ValidationError, match="没有可判定"):
        problem_services.case_confirm(actor=world_a.members["assessor"], problem=timeout, reason="x")


def test_level_two_assessment_gets_no_level_three_case(world_a):
    oa = _graded(world_a, "OA", HARM2, HARM2)
    assessment = services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="OA", systems=[oa]
    )
    assert assessment.level == 2
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="服务器/操作系统", name="OA-OS"
    )
    rnd = services.current_round(assessment)
    # a level-3 unit that slipped into the round (say, from a wrong-level spreadsheet)
    ResultRecord.objects.create(round=rnd, obj=obj, unit_id="L3-CES1-04")
    for record in ResultRecord.objects.filter(obj=obj):
        _record(world_a, obj, record.unit_id, "不符合", "未做")
    _sync(world_a, assessment)
    cases = {c.id: c for c in default().high_risk}
    proposed = dict(rnd.problems.exclude(case_status="none").values_list("unit_id", "high_risk_case"))
    assert proposed.get("L2-CES1-01") == "6.4.1.1"
    assert all(cases[case].min_level <= 2 for case in proposed.values()), proposed
    assert rnd.problems.get(unit_id="L3-CES1-04").case_status == "none"


# --- 重大风险隐患 ----------------------------------------------------------------------------------


def test_major_risks_and_their_count_before_and_after_remediation(world_a, l3):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    actor = world_a.members["assessor"]
    auth, timeout = rnd.problems.get(unit_id="L3-CES1-01"), rnd.problems.get(unit_id="L3-CES1-02")
    with pytest.raises(ValidationError, match="须为高风险"):
        problem_services.major_risk_create(actor=actor, rnd=rnd, title="弱口令", problems=[auth])
    combined = problem_services.major_risk_create(
        actor=actor, rnd=rnd, title="口令与会话控制缺失可致未授权访问", problems=[auth, timeout]
    )
    problem_services.case_confirm(actor=actor, problem=auth, reason="空口令可远程登录")
    auth.refresh_from_db()
    problem_services.major_risk_create(actor=actor, rnd=rnd, title="数据库空口令", problems=[auth])
    assert problem_services.major_risk_count_text(rnd) == "2"
    problem_services.major_risk_set_fixed(actor=actor, major_risk=combined, fixed=True)
    assert problem_services.major_risk_count_text(rnd) == "2（1个已整改）"
    assert set(combined.problems.values_list("unit_id", flat=True)) == {"L3-CES1-01", "L3-CES1-02"}
    with pytest.raises(PermissionDenied):
        problem_services.major_risk_create(
            actor=world_a.members["client"], rnd=rnd, title="x", problems=[auth, timeout]
        )


def test_a_finding_can_be_linked(world_a, l3):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    link = problem_services.problem_link_add(
        actor=world_a.members["assessor"], problem=auth, kind="finding", ref="42", note="MySQL 空口令"
    )
    again = problem_services.problem_link_add(
        actor=world_a.members["assessor"], problem=auth, kind="finding", ref="42"
    )
    assert (
        link.pk == again.pk and Problem.objects.filter(links__kind="finding", links__ref="42").get() == auth
    )


# --- pages and the Excel gap list --------------------------------------------------------------


def test_gap_list_page_filters_and_excel_export(world_a, l3, login):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    problem_services.case_confirm(actor=world_a.members["assessor"], problem=auth, reason="空口令")
    timeout = rnd.problems.get(unit_id="L3-CES1-02")
    problem_services.problem_update(
        actor=world_a.members["assessor"],
        problem=timeout,
        title=timeout.title,
        description="=cmd|' /C calc'!A0",
        remediation=timeout.remediation,
        risk="低",
    )
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/problems/"
    page = client.get(base).content.decode()
    assert page.count('data-unit="') == 2 and "按测评结果同步" in page
    high = client.get(base + "?risk=高").content.decode()
    assert 'data-unit="L3-CES1-01"' in high and 'data-unit="L3-CES1-02"' not in high
    by_risk = client.get(base + "?sort=-risk").content.decode()
    assert by_risk.index('data-unit="L3-CES1-02"') < by_risk.index('data-unit="L3-CES1-01"')
    detail = client.get(f"{base}{auth.pk}/").content.decode()
    assert "6.4.1.1" in detail and "仅允许本地登录" in detail  # the case's mitigations

    response = client.get(base + "gap-list.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:9] == (
        "序号",
        "安全类",
        "控制点",
        "测评项",
        "测评对象",
        "问题描述",
        "风险等级",
        "高风险判例",
        "整改建议",
    )
    data = rows[2:]
    assert len(data) == 2
    first, second = data
    assert first[0] == 1 and first[1] == "安全计算环境" and first[2] == "身份鉴别"
    assert first[3].startswith("L3-CES1-01 a）") and set(first[4].split("、")) == {"HIS-DB", "HIS-OS"}
    assert first[6] == "高" and first[7].startswith("6.4.1.1 存在空口令")
    assert second[3].startswith("L3-CES1-02") and second[6] == "低" and second[7] is None
    assert second[5] == "'=cmd|' /C calc'!A0"  # neutralised
    only_high = load_workbook(io.BytesIO(client.get(base + "gap-list.xlsx?risk=高").content)).active
    assert only_high.max_row == 3
    project_wide = load_workbook(io.BytesIO(client.get(base + "gap-list.xlsx?scope=project").content)).active
    assert (
        project_wide.cell(row=2, column=2).value == "定级对象/测评"
        and project_wide.cell(row=3, column=2).value == "HIS"
    )


def test_gap_list_is_searchable_by_unit_id_control_point_and_text(world_a, l3, login):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _record(world_a, db, "L3-CES1-06", "不符合", "默认账户 sa 未重命名")
    _report, rnd = _sync(world_a, assessment)
    renamed = rnd.problems.get(unit_id="L3-CES1-06")
    problem_services.problem_update(
        actor=world_a.members["assessor"],
        problem=renamed,
        title="数据库默认账户未处理",
        description=renamed.description,
        remediation="重命名 sa 并启用双人保管",
        risk=renamed.risk,
    )
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/problems/"

    def units(query: str) -> set[str]:
        page = client.get(base, {"q": query}).content.decode()
        return {u for u in ("L3-CES1-01", "L3-CES1-02", "L3-CES1-06") if f'data-unit="{u}"' in page}

    assert units("") == {"L3-CES1-01", "L3-CES1-02", "L3-CES1-06"}
    assert units("L3-CES1-02") == {"L3-CES1-02"}  # the unit ID, in any case
    assert units("l3-ces1-06") == {"L3-CES1-06"}
    assert units("CES1-0") == {"L3-CES1-01", "L3-CES1-02", "L3-CES1-06"}
    assert units("访问控制") == {"L3-CES1-06"}  # the control point of the unit in the catalogue
    assert units("身份鉴别") == {"L3-CES1-01", "L3-CES1-02"}
    assert units("双人保管") == {"L3-CES1-06"}  # the 整改建议
    assert units("默认账户未处理") == {"L3-CES1-06"}  # the title
    assert units("L3-ABS1-02") == set()
    export = load_workbook(io.BytesIO(client.get(base + "gap-list.xlsx", {"q": "L3-CES1-02"}).content)).active
    assert export.max_row == 3 and export.cell(row=3, column=4).value.startswith("L3-CES1-02")


def test_page_actions_sync_confirm_and_mark(world_a, l3, login):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/problems/"
    assert client.post(base + "sync/").status_code == 302
    rnd = services.current_round(assessment)
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    r = client.post(f"{base}{auth.pk}/case/", {"decision": "confirm", "reason": ""}, follow=True)
    assert "请填写判定理由" in r.content.decode()
    client.post(f"{base}{auth.pk}/case/", {"decision": "confirm", "reason": "空口令", "case_id": "6.4.1.1"})
    auth.refresh_from_db()
    assert auth.risk == "高"
    client.post(base + "major-risks/", {"action": "create", "title": "空口令", "problems": [auth.pk]})
    assert rnd.major_risks.get().problems.get() == auth
    client.post(f"{base}{auth.pk}/status/", {"status": "fixed"})
    auth.refresh_from_db()
    assert auth.status == "fixed" and "status" in auth.edited_fields


def test_client_views_the_gap_list_but_cannot_change_it(world_a, l3, login):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    auth = rnd.problems.get(unit_id="L3-CES1-01")
    client = login(world_a.members["client"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/problems/"
    # a round still being recorded: its problems are the provider's draft
    assert client.get(base).status_code == 404 and client.get(f"{base}{auth.pk}/").status_code == 404
    rnd.finalised_at = timezone.now()  # as round_finalise leaves it (its blockers are tested elsewhere)
    rnd.save(update_fields=["finalised_at"])
    page = client.get(base)
    assert page.status_code == 200 and 'data-unit="L3-CES1-01"' in page.content.decode()
    assert "按测评结果同步" not in page.content.decode()
    assert client.get(f"{base}{auth.pk}/").status_code == 200
    assert client.get(base + "gap-list.xlsx").status_code == 200
    for url, data in [
        (base + "sync/", {}),
        (base + "conditions/", {"condition-业务连续性要求高": "holds"}),
        (base + "major-risks/", {"action": "create", "title": "x", "problems": [auth.pk]}),
        (f"{base}{auth.pk}/", {"title": "改", "risk": "低"}),
        (f"{base}{auth.pk}/case/", {"decision": "reject", "reason": "不认可"}),
        (f"{base}{auth.pk}/status/", {"status": "fixed"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    auth.refresh_from_db()
    assert (auth.title, auth.case_status, auth.status) != ("改", "rejected", "fixed")
    assert auth.case_status == "proposed" and auth.status == "open" and not rnd.major_risks.exists()


def test_problem_of_another_assessment_is_not_found(world_a, l3, login):
    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    other = services.assessment_create(
        actor=world_a.members["manager"],
        project=world_a.project,
        name="其他",
        systems=list(assessment.systems.all()),
    )
    problem = rnd.problems.first()
    client = login(world_a.members["assessor"])
    assert client.get(f"/projects/proj-a/assessments/{other.pk}/problems/{problem.pk}/").status_code == 404


def test_case_conditions_change_what_is_proposed(world_a, l3):
    assessment, _db, os_ = l3
    actor = world_a.members["assessor"]
    _record(world_a, os_, "L3-CNS1-05", "不符合", "核心交换机单机运行")
    _report, rnd = _sync(world_a, assessment)
    redundancy = rnd.problems.get(unit_id="L3-CNS1-05")
    assert (redundancy.high_risk_case, redundancy.case_status) == ("6.2.1.3", "proposed")
    assert "须确认适用条件：业务连续性要求高" in redundancy.case_note
    problem_services.case_conditions_set(
        actor=actor, assessment=assessment, holds=[], absent=["业务连续性要求高"]
    )
    _sync(world_a, assessment)
    redundancy.refresh_from_db()
    assert (redundancy.high_risk_case, redundancy.case_status) == ("", "none")
    problem_services.case_conditions_set(
        actor=actor, assessment=assessment, holds=["业务连续性要求高"], absent=[]
    )
    _sync(world_a, assessment)
    redundancy.refresh_from_db()
    assert (redundancy.high_risk_case, redundancy.case_status, redundancy.case_note) == (
        "6.2.1.3",
        "proposed",
        "",
    )
    with pytest.raises(ValidationError, match="未知的适用条件"):
        problem_services.case_conditions_set(actor=actor, assessment=assessment, holds=["随便"], absent=[])
    with pytest.raises(ValidationError, match="既成立又不成立"):
        problem_services.case_conditions_set(
            actor=actor, assessment=assessment, holds=["关键行业"], absent=["关键行业"]
        )


def test_a_retest_keeps_the_high_risk_decision_and_edited_wording(world_a, l3):
    from dengbao.assessments.models import ResultRecord

    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, first = _sync(world_a, assessment)
    assessor, pm = world_a.members["assessor"], world_a.members["manager"]
    auth, timeout = first.problems.get(unit_id="L3-CES1-01"), first.problems.get(unit_id="L3-CES1-02")
    problem_services.case_confirm(actor=assessor, problem=auth, reason="sa 空口令可远程登录，无缓解措施")
    problem_services.problem_update(
        actor=assessor, problem=timeout, title=timeout.title, description=timeout.description,
        remediation="在数据库与操作系统上配置 10 分钟登录超时", risk="低",
    )  # fmt: skip
    ResultRecord.objects.filter(round=first, result="").update(result="符合")  # the rest of the sheet
    services.round_finalise(actor=pm, rnd=first)
    second = services.retest_start(actor=pm, assessment=assessment)
    problem_services.problems_sync(actor=assessor, rnd=second)
    auth.refresh_from_db()
    carried = second.problems.get(unit_id="L3-CES1-01")
    assert (carried.case_status, carried.high_risk_case) == ("confirmed", "6.4.1.1")
    assert (
        carried.case_reason == "sa 空口令可远程登录，无缓解措施" and carried.case_note == "沿用上一轮的判定"
    )
    assert carried.risk == auth.risk and carried.case_decided_by == assessor
    kept = second.problems.get(unit_id="L3-CES1-02")
    assert kept.remediation == "在数据库与操作系统上配置 10 分钟登录超时" and kept.risk == "低"
    problem_services.problems_sync(actor=assessor, rnd=second)  # a second sync keeps them too
    kept.refresh_from_db()
    assert kept.remediation == "在数据库与操作系统上配置 10 分钟登录超时"


def test_a_round_with_an_undecided_high_risk_case_cannot_be_finalised(world_a, l3):
    """A final report never prints 待确认: each suggested case is confirmed or rejected first."""
    from dengbao.assessments.models import ResultRecord

    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, rnd = _sync(world_a, assessment)
    ResultRecord.objects.filter(round=rnd, result="").update(result="符合")
    pm = world_a.members["manager"]
    undecided = rnd.problems.filter(case_status="proposed").count()
    assert undecided >= 1
    with pytest.raises(ValidationError, match=f"尚有 {undecided} 个问题的高风险判例待确认"):
        services.round_finalise(actor=pm, rnd=rnd)
    for problem in rnd.problems.filter(case_status="proposed"):
        problem_services.case_reject(
            actor=world_a.members["assessor"], problem=problem, reason="仅内网可达，已有堡垒机管控"
        )
    services.round_finalise(actor=pm, rnd=rnd)
    rnd.refresh_from_db()
    assert rnd.finalised_at is not None


def test_a_retest_counts_the_major_risks_found_before_remediation(world_a, l3):
    """The 复测 keeps the 初测's 重大风险隐患 and prints them as N（M个已整改）."""
    from dengbao.assessments.models import ResultRecord

    assessment, db, os_ = l3
    _shortfalls(world_a, db, os_)
    _report, first = _sync(world_a, assessment)
    assessor, pm = world_a.members["assessor"], world_a.members["manager"]
    auth = first.problems.get(unit_id="L3-CES1-01")
    problem_services.case_confirm(actor=assessor, problem=auth, reason="sa 空口令可远程登录")
    for problem in first.problems.filter(case_status="proposed"):
        problem_services.case_reject(actor=assessor, problem=problem, reason="已有缓解措施")
    auth.refresh_from_db()
    problem_services.major_risk_create(actor=assessor, rnd=first, title="数据库空口令", problems=[auth])
    ResultRecord.objects.filter(round=first, result="").update(result="符合")
    services.round_finalise(actor=pm, rnd=first)

    second = services.retest_start(actor=pm, assessment=assessment)
    problem_services.problems_sync(actor=assessor, rnd=second)
    assert problem_services.major_risk_count_text(second) == "1"  # still there: not fixed yet
    carried = second.major_risks.get()
    assert list(carried.problems.values_list("unit_id", flat=True)) == ["L3-CES1-01"]

    for obj in (db, os_):  # remediated: the retest finds the unit compliant everywhere
        record = ResultRecord.objects.get(round=second, obj=obj, unit_id="L3-CES1-01")
        services.result_record(
            actor=assessor,
            record=record,
            value="符合",
            note="已整改",
            methods=["核查"],
            version=record.version,
        )
    problem_services.problems_sync(actor=assessor, rnd=second)
    assert problem_services.major_risk_count_text(second) == "1（1个已整改）"
    assert second.major_risks.count() == 1  # a second sync carries nothing twice
