"""A finding linked to the 等保 items it breaks, as (or attached to) a problem of the assessment.

An exploitable high or critical vulnerability breaks the 入侵防范 unit of 安全计算环境
(“应能发现系统中可能存在的已知漏洞……及时修补”) and is the high-risk case 6.4.3.2
“存在可被利用的高危安全漏洞”. The link is a ``ProblemLink`` of kind "finding" (or
"pentest"), so the problem list and the report's appendix can find it from either side.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.assessments import problem_services
from dengbao.assessments.models import Assessment, Round
from dengbao.assessments.problem_models import Problem, ProblemLink, Risk
from dengbao.audit import services as audit
from dengbao.core.catalogue import default as catalogue

from .finding_models import Finding, FindingEvent, Severity, State

CASE_ID = "6.4.3.2"
LINKABLE_STATES = (State.OPEN, State.CONFIRMED, State.REOPENED, State.RISK_ACCEPTED)


@dataclass(frozen=True)
class Proposal:
    unit_id: str  # "L3-CES1-21"
    control_point: str  # "入侵防范"
    requirement: str
    case_id: str  # "6.4.3.2" or ""
    case_title: str


def _case():
    return next((c for c in catalogue().high_risk if c.id == CASE_ID), None)


def proposals(finding: Finding, level: int) -> list[Proposal]:
    """What a finding breaks at this level: empty unless it is an exploitable high/critical one."""
    if finding.severity not in (Severity.CRITICAL, Severity.HIGH) or not finding.exploitable:
        return []
    case = _case()
    if case is None:
        return []
    units = [u for u in case.units if u.startswith(f"L{level}-")]
    out = []
    for unit in units:
        item = catalogue().by_id.get(unit)
        if item is not None:
            out.append(Proposal(unit, item.control_point, item.requirement, case.id, case.title))
    return out


def assessment_for(finding: Finding) -> Assessment | None:
    """The assessment covering the finding's system, else the project's latest one."""
    rows = Assessment.objects.filter(project=finding.project).order_by("-pk")
    if finding.system_id:
        covering = rows.filter(systems=finding.system_id).first()
        if covering is not None:
            return covering
    return rows.first()


def linked_problems(finding: Finding) -> list[Problem]:
    kind = ProblemLink.Kind.PENTEST if finding.pentest_id else ProblemLink.Kind.FINDING
    return list(
        Problem.objects.filter(links__kind=kind, links__ref=str(finding.pk))
        .select_related("round__assessment")
        .order_by("-round__number")
    )


def finding_set_exploitable(*, actor: User, finding: Finding, exploitable: bool) -> Finding:
    permissions.require(actor, "project.record", finding.project)
    with transaction.atomic():
        finding.exploitable = exploitable
        finding.updated_at = timezone.now()
        finding.save(update_fields=["exploitable", "updated_at"])
        audit.record(
            actor=actor, action="finding.exploitable", obj=finding, after={"exploitable": exploitable},
            project=finding.project,
        )  # fmt: skip
    return finding


def finding_link_problem(*, actor: User, finding: Finding) -> Problem:
    """Attach the finding to the current round's problem for the unit it breaks, creating it if needed."""
    permissions.require(actor, "project.record", finding.project)
    if finding.state not in LINKABLE_STATES:
        raise ValidationError("只有未修复的漏洞才能关联为安全问题")
    assessment = assessment_for(finding)
    if assessment is None:
        raise ValidationError("本项目还没有等级测评，无法关联安全问题")
    rnd: Round = assessment.rounds.order_by("-number").first()
    if rnd is None or rnd.finalised_at is not None:
        raise ValidationError(f"“{assessment.name}”的当前轮次已定稿，请先开始复测再关联")
    found = proposals(finding, assessment.level)
    if not found:
        raise ValidationError("只有可被利用的高危或严重漏洞才会关联到“入侵防范”和高风险判例 6.4.3.2")
    proposal = found[0]
    kind = ProblemLink.Kind.PENTEST if finding.pentest_id else ProblemLink.Kind.FINDING
    now = timezone.now()
    with transaction.atomic():
        problem = Problem.objects.select_for_update().filter(round=rnd, unit_id=proposal.unit_id).first()
        created = problem is None
        if created:
            problem = Problem.objects.create(
                round=rnd,
                unit_id=proposal.unit_id,
                title=f"{proposal.control_point}：{proposal.case_title}",
                description=f"漏洞扫描发现可被利用的高危安全漏洞：{finding.title}（{finding.place}）",
                remediation="及时修补漏洞，修补前经充分测试评估；无法立即修补的应采取访问限制等缓解措施。",
                risk=Risk.HIGH,
                high_risk_case=proposal.case_id,
                case_status=Problem.CaseStatus.PROPOSED,
                case_note="由漏洞扫描发现自动提出，请测评师确认",
                edited_fields=["risk"],
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
        elif not problem.high_risk_case:
            problem.high_risk_case, problem.case_status = proposal.case_id, Problem.CaseStatus.PROPOSED
            problem.case_note = "由漏洞扫描发现提出，请测评师确认"
            problem.updated_at = now
            problem.save(update_fields=["high_risk_case", "case_status", "case_note", "updated_at"])
        problem_services.problem_link_add(
            actor=actor, problem=problem, kind=kind, ref=str(finding.pk), note=finding.title[:200]
        )
        FindingEvent.objects.create(
            finding=finding, kind=FindingEvent.Kind.LINK, actor=actor,
            text=f"{assessment.name} · {rnd.label} · {problem.unit_id} {problem.title}",
        )  # fmt: skip
        audit.record(
            actor=actor, action="finding.link_problem", obj=finding,
            details={"problem": problem.pk, "unit": problem.unit_id, "created": created},
            project=finding.project,
        )  # fmt: skip
    return problem
