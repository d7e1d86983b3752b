"""The findings lifecycle: who may move a finding where, risk acceptance, SLA dates, comments, links."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dengbao.audit.models import AuditEvent
from dengbao.scanning import finding_services, link_services
from dengbao.scanning.authorisation_services import authorisation_create
from dengbao.scanning.finding_models import Finding, FindingEvent, State
from dengbao.scanning.import_services import import_scan

from . import factories
from .conftest import SAMPLES

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def _finding(world, severity="高"):
    return finding_services.finding_create(
        actor=world.members["assessor"], project=world.project, title=f"测试漏洞 {severity}",
        severity=severity, host="10.20.1.10", port=8080,
    )  # fmt: skip


def test_sla_due_follows_severity_and_first_seen(world):
    expected = {"严重": 7, "高": 30, "中": 90, "低": 180}
    for severity, days in expected.items():
        f = _finding(world, severity)
        assert f.sla_due == timezone.localdate(f.first_seen) + dt.timedelta(days=days)
    assert _finding(world, "信息").sla_due is None


def test_sla_days_are_configurable_and_recomputed(world, manager, assessor):
    f = _finding(world, "高")
    finding_services.sla_set(actor=manager, project=world.project, days={"高": 15})
    f.refresh_from_db()
    assert f.sla_due == timezone.localdate(f.first_seen) + dt.timedelta(days=15)
    with pytest.raises(PermissionDenied):
        finding_services.sla_set(actor=assessor, project=world.project, days={"高": 3})
    with pytest.raises(ValidationError):
        finding_services.sla_set(actor=manager, project=world.project, days={"高": 0})


def test_breach_shows_in_selectors(world, assessor):
    from dengbao.scanning import selectors

    f = _finding(world, "严重")
    Finding.objects.filter(pk=f.pk).update(first_seen=timezone.now() - dt.timedelta(days=10),
                                           sla_due=TODAY() - dt.timedelta(days=3))  # fmt: skip
    f.refresh_from_db()
    assert f.sla_status(TODAY()) == "breached"
    overview = selectors.overview(actor=assessor, project=world.project)
    assert overview.breached == 1
    assert [w.pk for w in selectors.sla_warnings(actor=assessor, project=world.project)] == [f.pk]


def test_provider_confirms_client_reports_fixed_only_provider_verifies(world, assessor, client_user):
    f = _finding(world)
    finding_services.finding_transition(actor=assessor, finding=f, to=State.CONFIRMED)
    with pytest.raises(PermissionDenied):
        finding_services.finding_transition(actor=client_user, finding=f, to=State.FALSE_POSITIVE)
    f = finding_services.finding_transition(
        actor=client_user, finding=f, to=State.FIXED_PENDING, note="已升级"
    )
    with pytest.raises(PermissionDenied):
        finding_services.finding_transition(actor=client_user, finding=f, to=State.VERIFIED_FIXED)
    f = finding_services.finding_transition(
        actor=assessor, finding=f, to=State.VERIFIED_FIXED, note="复测通过"
    )
    assert f.state == State.VERIFIED_FIXED and f.closed_at is not None
    history = list(FindingEvent.objects.filter(finding=f).values_list("from_state", "to_state"))
    assert history == [
        ("open", "confirmed"),
        ("confirmed", "fixed_pending"),
        ("fixed_pending", "verified_fixed"),
    ]
    assert AuditEvent.objects.filter(action="finding.transition").count() == 3
    assert AuditEvent.objects.filter(action="permission.denied", outcome="denied").count() >= 2


def test_transitions_outside_the_rules_are_refused(world, assessor):
    f = _finding(world)
    with pytest.raises(ValidationError):
        finding_services.finding_transition(actor=assessor, finding=f, to=State.VERIFIED_FIXED)
    with pytest.raises(ValidationError):
        finding_services.finding_transition(actor=assessor, finding=f, to="nonsense")


def test_risk_acceptance_needs_expiry_and_an_approver_with_the_right_role(
    world, assessor, client_user, reviewer
):
    f = _finding(world)
    with pytest.raises(ValidationError):
        finding_services.finding_transition(actor=client_user, finding=f, to=State.RISK_ACCEPTED)
    with pytest.raises(ValidationError):
        finding_services.finding_transition(
            actor=client_user, finding=f, to=State.RISK_ACCEPTED, until=TODAY()
        )
    with pytest.raises(ValidationError):
        finding_services.finding_transition(
            actor=client_user, finding=f, to=State.RISK_ACCEPTED, until=TODAY() + dt.timedelta(days=400)
        )
    with pytest.raises(PermissionDenied):  # an assessor records it, but cannot approve it
        finding_services.finding_transition(
            actor=assessor, finding=f, to=State.RISK_ACCEPTED, until=TODAY() + dt.timedelta(days=30)
        )
    with pytest.raises(PermissionDenied):
        finding_services.finding_transition(
            actor=assessor,
            finding=f,
            to=State.RISK_ACCEPTED,
            until=TODAY() + dt.timedelta(days=30),
            approver=reviewer,
        )
    f = finding_services.finding_transition(
        actor=assessor, finding=f, to=State.RISK_ACCEPTED, until=TODAY() + dt.timedelta(days=30),
        approver=client_user, note="业务系统即将下线",
    )  # fmt: skip
    assert (f.state, f.risk_accepted_by, f.risk_accepted_until) == (
        State.RISK_ACCEPTED, client_user, TODAY() + dt.timedelta(days=30),
    )  # fmt: skip


def test_expired_acceptance_returns_to_open_and_a_scan_can_close_it_again(
    world, assessor, client_user, tmp_path
):
    import_scan(actor=assessor, project=world.project, fmt="nessus", path=SAMPLES / "nessus_hospital.nessus")
    f = Finding.objects.get(rule_id="97833")
    finding_services.finding_transition(
        actor=client_user, finding=f, to=State.RISK_ACCEPTED, until=TODAY() + dt.timedelta(days=5)
    )
    Finding.objects.filter(pk=f.pk).update(risk_accepted_until=TODAY() - dt.timedelta(days=1))
    assert finding_services.acceptances_expire(project=world.project) == 1
    f.refresh_from_db()
    assert (f.state, f.risk_accepted_until) == (State.OPEN, None)
    assert FindingEvent.objects.filter(finding=f, text="接受风险已到期").exists()


def test_bulk_transition_moves_what_may_move_and_audits_once(world, assessor):
    a, b = _finding(world, "高"), _finding(world, "中")
    finding_services.finding_transition(actor=assessor, finding=b, to=State.FALSE_POSITIVE)
    moved, skipped = finding_services.finding_bulk_transition(
        actor=assessor, project=world.project, finding_ids=[a.pk, b.pk], to=State.CONFIRMED
    )
    assert moved == 1 and len(skipped) == 1 and f"#{b.pk}" in skipped[0]
    assert Finding.objects.get(pk=a.pk).state == State.CONFIRMED
    assert AuditEvent.objects.filter(action="finding.bulk_transition").count() == 1


def test_bulk_transition_ignores_findings_of_another_project(world, world_b, assessor):
    foreign = finding_services.finding_create(
        actor=world_b.members["assessor"], project=world_b.project, title="x", severity="高", host="10.0.0.1"
    )
    moved, _ = finding_services.finding_bulk_transition(
        actor=assessor, project=world.project, finding_ids=[foreign.pk], to=State.CONFIRMED
    )
    assert moved == 0 and Finding.objects.get(pk=foreign.pk).state == State.OPEN


def test_comments_and_owner(world, assessor, client_user, world_b):
    f = _finding(world)
    finding_services.finding_comment(actor=client_user, finding=f, text="已安排厂商处理")
    finding_services.finding_assign(actor=assessor, finding=f, owner=client_user)
    assert Finding.objects.get(pk=f.pk).owner == client_user
    with pytest.raises(ValidationError):
        finding_services.finding_assign(actor=assessor, finding=f, owner=world_b.members["client"])
    kinds = list(FindingEvent.objects.filter(finding=f).values_list("kind", flat=True))
    assert kinds == ["comment", "owner"]


def test_exploitable_high_finding_links_to_the_intrusion_prevention_problem(world, assessor):
    from dengbao.assessments.problem_models import Problem, ProblemLink
    from tests.authz.routes import _assessment

    assessment = _assessment(world)
    f = _finding(world, "严重")
    with pytest.raises(ValidationError):  # not known to be exploitable yet
        link_services.finding_link_problem(actor=assessor, finding=f)
    link_services.finding_set_exploitable(actor=assessor, finding=f, exploitable=True)
    level = assessment.level
    assert [p.unit_id for p in link_services.proposals(f, level)] == [
        f"L{level}-CES1-{21 if level == 3 else 15}"
    ]
    problem = link_services.finding_link_problem(actor=assessor, finding=f)
    assert problem.unit_id == f"L{level}-CES1-21" and problem.high_risk_case == "6.4.3.2"
    assert problem.risk == "高" and problem.case_status == Problem.CaseStatus.PROPOSED
    assert ProblemLink.objects.filter(problem=problem, kind="finding", ref=str(f.pk)).exists()
    # a second finding attaches to the same problem
    g = _finding(world, "高")
    link_services.finding_set_exploitable(actor=assessor, finding=g, exploitable=True)
    assert link_services.finding_link_problem(actor=assessor, finding=g).pk == problem.pk
    assert [p.pk for p in link_services.linked_problems(g)] == [problem.pk]


def test_medium_finding_is_not_linked(world, assessor):
    from tests.authz.routes import _assessment

    _assessment(world)
    f = _finding(world, "中")
    link_services.finding_set_exploitable(actor=assessor, finding=f, exploitable=True)
    with pytest.raises(ValidationError):
        link_services.finding_link_problem(actor=assessor, finding=f)


def test_authorisation_validation_and_document_hash(world, manager, assessor, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    auth = factories.authorisation(
        world, document=doc, hosts=["his.hospital.local"], windows="1-5 22:00-06:00"
    )
    assert auth.document_sha256 == hashlib.sha256(b"%PDF-1.4 signed").hexdigest()
    assert auth.windows == [{"days": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00"}]
    with pytest.raises(PermissionDenied):  # only the project manager records an authorisation
        authorisation_create(
            actor=assessor, project=world.project, title="t", signer="s", signed_on=TODAY(),
            valid_from=timezone.now(), valid_until=timezone.now() + dt.timedelta(days=1),
            techniques=["discovery"], cidrs=["10.0.0.0/8"],
        )  # fmt: skip
    for bad in ({"cidrs": ["10.0.0.300/24"]}, {"ports": "0-80"}, {"techniques": ["nuke"]},
                {"windows": "8 09:00-10:00"}, {"cidrs": [], "hosts": [], "urls": []}):  # fmt: skip
        with pytest.raises(ValidationError):
            factories.authorisation(world, **bad)
    settings.DENGBAO_MAX_UPLOAD_BYTES = 8
    with pytest.raises(ValidationError):
        factories.authorisation(world, document=SimpleUploadedFile("big.pdf", b"0123456789"))
