"""The grading workflow, through the services (authorised, audited) and the pure rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dengbao.audit.models import AuditEvent
from dengbao.core.grading_workflow import Facts, State, problems
from dengbao.systems import services

B3 = [{"object": "社会秩序、公共利益", "degree": "严重"}]
S2 = [{"object": "合法权益", "degree": "严重"}]
L1 = [{"object": "合法权益", "degree": "一般"}]


@pytest.fixture
def system(world_a):
    return services.system_create(
        actor=None, organisation=world_a.client, project=world_a.project, name="HIS", code="HIS"
    )


def _draft(world, system, business=B3, service=S2):
    return services.grading_save_draft(
        actor=world.members["assessor"],
        project=world.project,
        system=system,
        business_harms=business,
        service_harms=service,
    )


def test_draft_computes_the_grade(world_a, system):
    grading = _draft(world_a, system)
    assert (grading.business_level, grading.service_level, grading.level, grading.sa) == (3, 2, 3, "S3A2")
    assert grading.state == State.DRAFT
    assert AuditEvent.objects.filter(action="grading.save", object_id=str(grading.pk)).exists()


def test_level_three_cannot_be_graded_without_expert_review(world_a, system):
    grading = _draft(world_a, system)
    pm = world_a.members["manager"]
    with pytest.raises(ValidationError, match="须经专家评审"):
        services.grading_transition(actor=pm, project=world_a.project, grading=grading, target=State.GRADED)
    grading.refresh_from_db()
    assert grading.state == State.DRAFT
    refused = AuditEvent.objects.get(action="grading.transition", outcome="refused")
    assert refused.details["to"] == "graded"


def test_full_path_with_and_without_competent_authority(world_a, system):
    pm, project = world_a.members["manager"], world_a.project
    grading = _draft(world_a, system)
    grading = services.grading_transition(
        actor=pm, project=project, grading=grading, target=State.EXPERT_REVIEW
    )
    with pytest.raises(ValidationError, match="请先记录专家评审"):
        services.grading_transition(actor=pm, project=project, grading=grading, target=State.POLICE)
    grading = services.grading_record_step(
        actor=pm,
        project=project,
        grading=grading,
        review_date=dt.date(2026, 1, 5),
        review_experts=["甲"],
        review_opinion="同意",
    )
    # with a competent authority the authority must approve first
    services.system_update(actor=pm, project=project, system=system, competent_authority="市卫生健康委员会")
    with pytest.raises(ValidationError, match="须先经主管部门核准"):
        services.grading_transition(actor=pm, project=project, grading=grading, target=State.POLICE)
    grading = services.grading_transition(actor=pm, project=project, grading=grading, target=State.AUTHORITY)
    with pytest.raises(ValidationError, match="主管部门核准日期"):
        services.grading_transition(actor=pm, project=project, grading=grading, target=State.POLICE)
    grading = services.grading_record_step(
        actor=pm,
        project=project,
        grading=grading,
        authority_date=dt.date(2026, 1, 9),
        authority_opinion="同意",
    )
    grading = services.grading_transition(actor=pm, project=project, grading=grading, target=State.POLICE)
    with pytest.raises(ValidationError, match="受理的公安机关"):
        services.grading_transition(actor=pm, project=project, grading=grading, target=State.GRADED)
    grading = services.grading_record_step(
        actor=pm, project=project, grading=grading, police_bureau="市公安局", police_date=dt.date(2026, 2, 1)
    )
    grading = services.grading_transition(
        actor=pm, project=project, grading=grading, target=State.GRADED, today=dt.date(2026, 2, 1)
    )
    assert grading.state == State.GRADED and grading.graded_on == dt.date(2026, 2, 1)
    system.refresh_from_db()
    assert system.proposed_level == 3
    with pytest.raises(ValidationError, match="不能再修改"):
        services.grading_record_step(actor=pm, project=project, grading=grading, review_opinion="改")


def test_police_can_send_back_with_an_opinion(world_a, system):
    pm, project = world_a.members["manager"], world_a.project
    grading = _draft(world_a, system)
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
    with pytest.raises(ValidationError, match="审核意见"):
        services.grading_transition(actor=pm, project=project, grading=grading, target=State.DRAFT)
    grading = services.grading_record_step(
        actor=pm, project=project, grading=grading, police_opinion="定级偏低，重新定级"
    )
    grading = services.grading_transition(actor=pm, project=project, grading=grading, target=State.DRAFT)
    assert grading.state == State.DRAFT


def test_level_one_is_self_determined(world_a, system):
    grading = _draft(world_a, system, business=L1, service=L1)
    pm = world_a.members["manager"]
    with pytest.raises(ValidationError, match="无需专家评审"):
        services.grading_transition(
            actor=pm, project=world_a.project, grading=grading, target=State.EXPERT_REVIEW
        )
    grading = services.grading_transition(
        actor=pm, project=world_a.project, grading=grading, target=State.GRADED
    )
    assert grading.state == State.GRADED and grading.level == 1


def test_change_reopens_grading_as_a_new_version(world_a, system):
    pm, project = world_a.members["manager"], world_a.project
    grading = _draft(world_a, system, business=L1, service=L1)
    grading = services.grading_transition(actor=pm, project=project, grading=grading, target=State.GRADED)
    with pytest.raises(ValidationError, match="变更原因"):
        services.grading_change(actor=pm, project=project, grading=grading, reason=" ")
    new = services.grading_change(actor=pm, project=project, grading=grading, reason="新增互联网挂号服务")
    grading.refresh_from_db()
    assert grading.state == State.SUPERSEDED and new.version == 2 and new.state == State.DRAFT
    updated = _draft(world_a, system)  # the new draft is editable
    assert updated.pk == new.pk and updated.sa == "S3A2"


def test_graded_grading_cannot_be_redrafted(world_a, system):
    pm = world_a.members["manager"]
    grading = _draft(world_a, system, business=L1, service=L1)
    services.grading_transition(actor=pm, project=world_a.project, grading=grading, target=State.GRADED)
    with pytest.raises(ValidationError, match="不能修改"):
        _draft(world_a, system)


def test_client_and_reviewer_cannot_grade(world_a, system):
    from django.core.exceptions import PermissionDenied

    for role in ("client", "reviewer"):
        with pytest.raises(PermissionDenied):
            services.grading_save_draft(
                actor=world_a.members[role],
                project=world_a.project,
                system=system,
                business_harms=B3,
                service_harms=S2,
            )


def test_bad_harm_input_names_it(world_a, system):
    from dengbao.core.grading import GradingError

    with pytest.raises(GradingError, match="未知的侵害程度“较重”"):
        _draft(world_a, system, business=[{"object": "国家安全", "degree": "较重"}])


def test_pure_rules_refuse_unknown_edges():
    assert problems(State.DRAFT, State.POLICE, Facts(level=3)) == ["不能从“草拟”直接转到“公安备案审核”"]
