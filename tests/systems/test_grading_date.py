"""定级日期 from the 公安 review and correctable; the yearly-assessment reminder only once graded;
a transition the rules refuse is shown disabled with its reasons, not offered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dengbao.audit.models import AuditEvent
from dengbao.core.grading_workflow import State
from dengbao.systems import selectors, services
from tests.conftest import verified_client

B3 = [{"object": "社会秩序、公共利益", "degree": "严重"}]
S2 = [{"object": "合法权益", "degree": "严重"}]


@pytest.fixture
def system(world_a):
    return services.system_create(
        actor=None, organisation=world_a.client, project=world_a.project, name="HIS", code="HIS"
    )


def _graded(world, system, police_date=dt.date(2026, 2, 3)):
    pm, project = world.members["manager"], world.project
    grading = services.grading_save_draft(
        actor=world.members["assessor"], project=project, system=system, business_harms=B3, service_harms=S2
    )
    grading = services.grading_transition(
        actor=pm, project=project, grading=grading, target=State.EXPERT_REVIEW
    )
    grading = services.grading_record_step(
        actor=pm,
        project=project,
        grading=grading,
        review_date=dt.date(2026, 1, 5),
        review_experts=["甲"],
        review_opinion="同意",
    )
    grading = services.grading_transition(actor=pm, project=project, grading=grading, target=State.POLICE)
    grading = services.grading_record_step(
        actor=pm, project=project, grading=grading, police_bureau="市公安局", police_date=police_date
    )
    return services.grading_transition(
        actor=pm, project=project, grading=grading, target=State.GRADED, today=dt.date(2026, 3, 20)
    )


def _reminder_kinds(world, system):
    rows = selectors.system_rows(actor=world.members["manager"], project=world.project)
    return {r.kind for row in rows if row.system.pk == system.pk for r in row.reminders}


def test_the_grading_date_is_the_police_review_date_not_the_click(world_a, system):
    grading = _graded(world_a, system)
    assert grading.graded_on == dt.date(2026, 2, 3)  # confirmed on 3-20, reviewed on 2-3


def test_the_grading_date_can_be_corrected_within_bounds_and_is_audited(world_a, system):
    grading = _graded(world_a, system)
    pm = world_a.members["manager"]
    url = reverse(
        "systems:grading_step",
        kwargs={
            "project": world_a.project.slug,
            "system_id": system.pk,
            "grading_id": grading.pk,
            "step": "date",
        },
    )
    client = verified_client(pm)
    page = client.post(url, {"graded_on": "2026-02-10"}, follow=True).content.decode()
    assert "已更新定级日期" in page
    grading.refresh_from_db()
    assert grading.graded_on == dt.date(2026, 2, 10)
    event = AuditEvent.objects.filter(action="grading.date").latest("pk")
    assert event.details["after"] == {"graded_on": "2026-02-10"}
    for bad, said in (
        ("2026-01-01", "不能早于专家评审日期"),
        ("2999-01-01", "不能晚于今天"),
        ("2026-02-30", "不是有效日期"),
        ("", "请填写"),
    ):
        answer = client.post(url, {"graded_on": bad}, follow=True).content.decode()
        assert said in answer, bad
    grading.refresh_from_db()
    assert grading.graded_on == dt.date(2026, 2, 10)
    assert (
        verified_client(world_a.members["assessor"]).post(url, {"graded_on": "2026-02-11"}).status_code == 403
    )


def test_a_draft_gets_no_yearly_assessment_reminder_until_graded(world_a, system):
    services.grading_save_draft(
        actor=world_a.members["assessor"],
        project=world_a.project,
        system=system,
        business_harms=B3,
        service_harms=S2,
    )
    assert "assessment_due" not in _reminder_kinds(world_a, system)
    system.gradings.all().delete()
    _graded(world_a, system)
    assert "assessment_due" in _reminder_kinds(world_a, system)


def test_a_refused_transition_is_shown_disabled_with_its_reasons(world_a, system):
    grading = services.grading_save_draft(
        actor=world_a.members["assessor"],
        project=world_a.project,
        system=system,
        business_harms=B3,
        service_harms=S2,
    )
    page = verified_client(world_a.members["manager"]).get(
        reverse("systems:detail", kwargs={"project": world_a.project.slug, "system_id": system.pk})
    )
    text = page.content.decode()
    graded_button = text[text.index('value="graded"') : text.index("</form>", text.index('value="graded"'))]
    assert " disabled " in graded_button and "专家评审" in graded_button
    review_button = text[
        text.index('value="expert_review"') : text.index("</form>", text.index('value="expert_review"'))
    ]
    assert "disabled" not in review_button
    with pytest.raises(ValidationError):
        services.grading_transition(
            actor=world_a.members["manager"], project=world_a.project, grading=grading, target=State.GRADED
        )
