"""The scoring scheme follows the report date: the 2021 scheme only for reports dated before
2025-03-20 (公网安〔2025〕1846号 Q21), otherwise with a recorded reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dengbao.assessments import services
from dengbao.assessments.models import Assessment
from dengbao.audit.models import AuditEvent
from dengbao.core.scoring_schemes import scheme_date_problem

from .helpers import HARM3, graded

D = dt.date


def test_rule_boundaries():
    assert scheme_date_problem("2021", D(2025, 3, 19)) == ""
    assert "2025-03-20" in scheme_date_problem("2021", D(2025, 3, 20))
    assert scheme_date_problem("2021", D(2025, 4, 1), reason="合同约定沿用 2021 版模板") == ""
    assert scheme_date_problem("2021", D(2025, 4, 1), reason="   ") != ""
    assert scheme_date_problem("2025", D(2024, 1, 1)) == ""  # the new scheme is never refused


@pytest.mark.django_db
def test_a_report_dated_2025_04_01_refuses_the_2021_scheme_without_a_reason(world_a):
    his = graded(world_a, "HIS", HARM3, HARM3)
    manager = world_a.members["manager"]
    with pytest.raises(ValidationError, match="1846"):
        services.assessment_create(
            actor=manager,
            project=world_a.project,
            name="HIS",
            systems=[his],
            scheme="2021",
            report_date=D(2025, 4, 1),
        )
    assert not Assessment.objects.exists()
    made = services.assessment_create(
        actor=manager,
        project=world_a.project,
        name="HIS",
        systems=[his],
        scheme="2021",
        report_date=D(2025, 4, 1),
        scheme_reason="合同约定沿用 2021 版模板",
    )
    assert (made.scheme, made.report_date) == ("2021", D(2025, 4, 1))
    event = AuditEvent.objects.filter(action="assessment.create").latest("pk")
    assert event.details["after"]["scheme_reason"] == "合同约定沿用 2021 版模板"


@pytest.mark.django_db
def test_an_old_report_date_may_use_2021_and_today_may_not(world_a, login):
    his = graded(world_a, "HIS", HARM3, HARM3)
    client = login(world_a.members["manager"])
    url = f"/projects/{world_a.project.slug}/assessments/"
    r = client.post(url, {"name": "今天", "systems": [his.pk], "scheme": "2021"}, follow=True)
    assert "1846" in r.content.decode() and not Assessment.objects.exists()
    r = client.post(
        url, {"name": "旧报告", "systems": [his.pk], "scheme": "2021", "report_date": "2025-03-10"}
    )
    assert r.status_code == 302
    assert Assessment.objects.get().report_date == D(2025, 3, 10)
    r = client.post(url, {"name": "坏日期", "systems": [his.pk], "report_date": "2025-13-01"}, follow=True)
    assert "不是有效日期" in r.content.decode()


@pytest.mark.django_db
def test_the_report_itself_is_refused_when_its_date_falls_after_the_cut_off(world_a):
    from dengbao.reports.assessment_documents import make_assessment_report
    from dengbao.reports.documents import DocumentNotReady

    his = graded(world_a, "HIS", HARM3, HARM3)
    manager = world_a.members["manager"]
    made = services.assessment_create(
        actor=manager,
        project=world_a.project,
        name="HIS",
        systems=[his],
        scheme="2021",
        report_date=D(2025, 3, 1),
    )
    # a record from before the rule: the 2021 scheme and no report date, generated today
    Assessment.objects.filter(pk=made.pk).update(report_date=None)
    made.refresh_from_db()
    with pytest.raises(DocumentNotReady) as refused:
        make_assessment_report(actor=manager, project=world_a.project, system=his, assessment=made)
    assert "2021 版计分方案须记录理由" in refused.value.missing[0]
