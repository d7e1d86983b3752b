"""定级备案 pages: list, wizard with live matrices, workflow buttons, filing."""

from __future__ import annotations

import re

import pytest

from dengbao.systems import services
from dengbao.systems.models import Filing, Grading


@pytest.fixture
def system(world_a):
    return services.system_create(
        actor=None, organisation=world_a.client, project=world_a.project, name="互联网医院", code="IH"
    )


def _url(world, system, tail=""):
    return f"/projects/{world.project.slug}/systems/{system.pk}/{tail}"


WIZARD = {
    "b_order": "on",
    "b_order_degree": "严重",
    "b_order_why": "在线诊疗信息泄露影响公共利益",
    "s_rights": "on",
    "s_rights_degree": "严重",
    "business_description": "问诊与处方信息",
    "service_description": "在线问诊与复诊续方",
}


def test_wizard_preview_marks_the_cells(world_a, system, login):
    client = login(world_a.members["assessor"])
    r = client.post(_url(world_a, system, "grading/"), WIZARD, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html and "第3级（S3A2）" in html
    tables = re.findall(r'<table class="table compact matrix">(.*?)</table>', html, re.S)
    assert len(tables) == 2
    # business: only (社会秩序、公共利益, 严重) is decisive; service: only (合法权益, 严重)
    business_rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", tables[0], re.S)
    marked = [
        (obj, i)
        for obj, cells in business_rows
        for i, c in enumerate(re.findall(r'<td class="(\w*)"', cells))
        if c
    ]
    assert marked == [("社会秩序、公共利益", 1)]
    service_rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", tables[1], re.S)
    marked = [
        (obj, i)
        for obj, cells in service_rows
        for i, c in enumerate(re.findall(r'<td class="(\w*)"', cells))
        if c
    ]
    assert marked == [("公民、法人和其他组织的合法权益", 1)]


def test_wizard_saves_a_draft_and_shows_bad_input(world_a, system, login):
    client = login(world_a.members["assessor"])
    r = client.post(_url(world_a, system, "grading/"), WIZARD)
    assert r.status_code == 302
    grading = Grading.objects.get(system=system)
    assert (
        grading.sa == "S3A2" and grading.business_harms[0]["justification"] == "在线诊疗信息泄露影响公共利益"
    )
    r = client.post(
        _url(world_a, system, "grading/"), {**WIZARD, "b_order_degree": "很重"}, HTTP_HX_REQUEST="true"
    )
    assert "未知的侵害程度“很重”" in r.content.decode()
    r = client.post(_url(world_a, system, "grading/"), {"s_rights": "on", "s_rights_degree": "严重"})
    assert "请为业务信息和系统服务各选择至少一个受侵害客体" in r.content.decode()


def test_sector_rule_warning_shows_in_the_wizard(world_a, system, login):
    services.system_update(
        actor=world_a.members["manager"],
        project=world_a.project,
        system=system,
        sector_minimum_level=3,
        sector_rule="互联网医院按卫生健康行业规定",
    )
    client = login(world_a.members["assessor"])
    low = {"b_rights": "on", "b_rights_degree": "严重", "s_rights": "on", "s_rights_degree": "一般"}
    html = client.post(_url(world_a, system, "grading/"), low, HTTP_HX_REQUEST="true").content.decode()
    assert "互联网医院按卫生健康行业规定：应不低于第3级，当前为第2级" in html


def test_workflow_buttons_refuse_with_reasons(world_a, system, login):
    assessor, pm = login(world_a.members["assessor"]), login(world_a.members["manager"])
    assessor.post(_url(world_a, system, "grading/"), WIZARD)
    grading = Grading.objects.get(system=system)
    step = _url(world_a, system, f"grading/{grading.pk}/")
    r = pm.post(step + "transition/", {"target": "graded"}, follow=True)
    assert "第3级须经专家评审和公安机关备案审核" in r.content.decode()
    pm.post(step + "transition/", {"target": "expert_review"})
    r = pm.post(
        step + "review/",
        {"review_date": "2026-01-05", "review_experts": "", "review_opinion": "同意"},
        follow=True,
    )
    assert "至少填写一位评审专家" in r.content.decode()
    pm.post(
        step + "review/", {"review_date": "2026-01-05", "review_experts": "甲\n乙", "review_opinion": "同意"}
    )
    grading.refresh_from_db()
    assert grading.review_experts == ["甲", "乙"]
    assert pm.post(step + "transition/", {"target": "police"}).status_code == 302
    grading.refresh_from_db()
    assert grading.state == "police"
    assert (
        assessor.post(step + "transition/", {"target": "graded"}).status_code == 403
    )  # only the manager moves it


def test_filing_and_list_page(world_a, system, login):
    pm = login(world_a.members["manager"])
    r = pm.post(
        _url(world_a, system, "filing/"),
        {"bureau": "市公安局", "assessments_completed": "2026-13-01"},
        follow=True,
    )
    assert "不是有效日期" in r.content.decode()
    assert not Filing.objects.exists()
    pm.post(
        _url(world_a, system, "filing/"),
        {
            "bureau": "市公安局",
            "certificate_number": "A-001",
            "certificate_issued_on": "2025-06-01",
            "assessments_completed": "2025-12-01",
        },
    )
    filing = Filing.objects.get()
    assert filing.assessments_completed == ["2025-12-01"]
    page = login(world_a.members["client"]).get(f"/projects/{world_a.project.slug}/systems/").content.decode()
    assert "A-001" in page and "2029-06-01" in page  # three years plus one for the assessment
    assert "编辑" not in login(world_a.members["client"]).get(_url(world_a, system)).content.decode()


def test_manager_creates_a_system_and_fills_the_unit_profile(world_a, login):
    from dengbao.systems.models import InformationSystem, UnitProfile

    pm = login(world_a.members["manager"])
    r = pm.post(
        f"/projects/{world_a.project.slug}/systems/", {"name": "PACS", "code": "PACS", "description": "影像"}
    )
    pacs = InformationSystem.objects.get(name="PACS")
    assert r.status_code == 302 and pacs.projects.filter(pk=world_a.project.pk).exists()
    dup = pm.post(f"/projects/{world_a.project.slug}/systems/", {"name": "PACS"})
    assert "该单位已有同名定级对象" in dup.content.decode()
    r = pm.post(
        f"/projects/{world_a.project.slug}/unit/",
        {
            "credit_code": "12440100MB0000001X",
            "address": "人民路 2 号",
            "head_name": "院长",
            "affiliation": "3",
            "unit_type": "3",
            "industry": "卫生健康",
        },
    )
    assert r.status_code == 302
    profile = UnitProfile.objects.get(organisation=world_a.client)
    world_a.client.refresh_from_db()
    assert (profile.head_name, profile.industry, world_a.client.credit_code) == (
        "院长",
        "卫生健康",
        "12440100MB0000001X",
    )
    assert (
        login(world_a.members["assessor"]).get(f"/projects/{world_a.project.slug}/unit/").status_code == 403
    )
    assert (
        login(world_a.members["client"])
        .post(f"/projects/{world_a.project.slug}/systems/", {"name": "X"})
        .status_code
        == 403
    )
