"""保护工作方案 of one system of level 3 or above, from its records (1846号 Q23–Q24).

The source is the system's latest finalised assessment round: the newest of the project's
assessments that covers the system and has a finalised round, that round; without one, the
newest assessment's latest round, and the document says it is a draft (as the 测评报告 of an
unfinished round does). Of a combined assessment only the system's part counts
(``system_scope``: its objects and the items of its grade). The remediation tasks are those
given out for the system's problems of that assessment, up to that round.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.assessments.models import Assessment, Round
from dengbao.assessments.problem_models import Problem
from dengbao.assessments.remediation_models import RemediationTask
from dengbao.assessments.selectors import round_score, system_scope
from dengbao.core import protection_plan as core
from dengbao.core.catalogue import default as catalogue
from dengbao.core.documents import protection_plan as pp
from dengbao.core.scoring import ScoringError
from dengbao.systems.models import InformationSystem

from .base import DocumentNotReady

ACTION = "project.view_internal"
TITLE = "保护工作方案"


def level_of(system: InformationSystem) -> int | None:
    """The system's 安全保护等级 as graded (None before it is)."""
    grading = system.current_grading
    return grading.level if grading else None


def plan_required(system: InformationSystem) -> bool:
    """Whether the system, as graded, files a 保护工作方案 (level 3 and above)."""
    return core.required(level_of(system))


def check_required(system: InformationSystem) -> int:
    """The system's level when it needs the plan; refuses an ungraded or a level 1–2 system."""
    level = level_of(system)
    if level is None:
        raise DocumentNotReady([f"{system.name}：定级结果"])
    if not core.required(level):
        raise core.NotRequired(core.refusal(system.name, level))
    return level


def source_round(system: InformationSystem, project: Project) -> tuple[Assessment, Round]:
    """Of the project's assessments covering ``system``: the latest finalised round of the newest
    that has one, else the newest one's latest round (a draft)."""
    assessments = list(system.assessments.filter(project=project).order_by("-created_at", "-pk"))
    if not assessments:
        raise DocumentNotReady([f"{system.name}：等级测评（尚未建立包含该系统的测评）"])
    for assessment in assessments:
        finalised = assessment.rounds.filter(finalised_at__isnull=False).order_by("-number").first()
        if finalised is not None:
            return assessment, finalised
    newest = assessments[0]
    rnd = newest.rounds.order_by("-number").first()
    if rnd is None:
        raise DocumentNotReady([f"{system.name}：等级测评结果"])
    return newest, rnd


def plan_input(*, actor: User, project: Project, system: InformationSystem) -> pp.ProtectionPlanInput:
    """Everything the plan prints, read under the actor's permission."""
    return gather(actor, project, system)[0]


def gather(
    actor: User, project: Project, system: InformationSystem
) -> tuple[pp.ProtectionPlanInput, Assessment, Round]:
    permissions.require(actor, ACTION, project)
    check_required(system)
    assessment, rnd = source_round(system, project)
    scope = system_scope(assessment, system)
    try:
        score = round_score(actor=actor, rnd=rnd, scope=scope)
    except ScoringError as exc:
        raise DocumentNotReady([f"{system.name}：{rnd.label}的测评结果（{exc}）"]) from exc
    names = dict(assessment.test_objects.values_list("pk", "name"))
    short: dict[str, list[str]] = defaultdict(list)
    for unit, obj_id in (
        scope.results(rnd).filter(result__in=core.SHORT_OF).order_by("obj__kind", "obj__name")
    ).values_list("unit_id", "obj_id"):
        short[unit].append(names[obj_id])
    found = {p.unit_id: p for p in scope.problems(rnd.problems.all()).order_by("unit_id", "pk")}
    by_id = catalogue().by_id
    cases = {c.id: c for c in catalogue().high_risk}
    findings = []
    for item in score.items:
        problem = found.get(item.unit)
        case = ""
        if problem is not None and problem.case_status == Problem.CaseStatus.CONFIRMED:
            known = cases.get(problem.high_risk_case)
            case = f"{problem.high_risk_case} {known.title}" if known else problem.high_risk_case
        entry = by_id.get(item.unit)
        findings.append(
            core.ItemFinding(
                unit=item.unit,
                category=item.category,
                control_point=item.control_point,
                requirement=f"{entry.letter}）{entry.requirement}" if entry else "",
                result=str(item.result),
                counts=dict(item.counts),
                objects=tuple(short.get(item.unit, ())),
                description=(problem.description or problem.title) if problem else "",
                risk=problem.risk if problem else "",
                case=case,
            )
        )
    majors = list(scope.major_risks(rnd.major_risks.all()).prefetch_related("problems").order_by("pk"))
    tasks = _tasks(assessment, rnd, scope)
    open_units = {f.unit for f in core.problems(findings)}
    data = pp.ProtectionPlanInput(
        system=_system_info(system),
        assessment=pp.AssessmentInfo(
            name=assessment.name,
            agency=assessment.project.provider.name,
            round_label=rnd.label,
            finished=timezone.localdate(rnd.finalised_at) if rnd.finalised_at else None,
            compliance_rate=score.compliance_rate,
            weighted_score=score.weighted_score,
            conclusion=score.conclusion,
            major_risks=tuple((m.title, m.fixed) for m in majors),
            major_units=tuple(sorted({p.unit_id for m in majors if not m.fixed for p in m.problems.all()})),
        ),
        assets=tuple(
            core.Asset(
                kind=o.kind,
                name=o.name,
                model_version=o.model_version,
                location=o.location,
                importance=o.get_importance_display(),
            )
            for o in assessment.test_objects.filter(pk__in=scope.object_ids).order_by("kind", "name")
        ),
        findings=tuple(findings),
        categories=tuple(core.CategoryScore(c.key, c.score, dict(c.counts)) for c in score.categories),
        tasks=tasks,
        unassigned=len(open_units - {t.unit for t in tasks}),
        date=timezone.localdate(),
    )
    return data, assessment, rnd


def context(system: InformationSystem, *, actor: User, project: Project) -> dict:
    """The template's context for ``system`` (the one function a document registry needs)."""
    return pp.protection_plan_context(plan_input(actor=actor, project=project, system=system))


def _system_info(system: InformationSystem) -> pp.SystemInfo:
    grading = system.current_grading
    filing = system.filings.order_by("-created_at").first()
    if filing is None:
        filing_state = "未备案"
    elif filing.certificate_number:
        filing_state = "已备案"
    else:
        filing_state = "已提交备案，待公安机关审核" if filing.submitted_on else "备案材料准备中"
    contact = " ".join(v for v in (system.contact_name, system.contact_phone) if v)
    return pp.SystemInfo(
        name=system.name,
        code=system.code,
        level=grading.level if grading and grading.level else 0,
        sa=grading.sa if grading else "",
        grading_state=grading.get_state_display() if grading else "",
        graded_on=grading.graded_on if grading else None,
        filing_state=filing_state,
        bureau=(filing.bureau if filing else "") or (grading.police_bureau if grading else ""),
        certificate_number=filing.certificate_number if filing else "",
        filed_on=filing.submitted_on if filing else None,
        description=system.description,
        unit=system.organisation.name,
        department=system.department,
        contact=contact,
        authority=system.competent_authority,
        go_live=system.go_live,
    )


def _tasks(assessment: Assessment, rnd: Round, scope) -> tuple[core.Task, ...]:
    """The tasks given out for the system's problems of this assessment, up to ``rnd``."""
    problems = scope.problems(
        Problem.objects.filter(round__assessment=assessment, round__number__lte=rnd.number)
    )
    return tuple(
        core.Task(
            unit=t.problem.unit_id,
            title=t.problem.title,
            measure=t.measure,
            owner=str(t.owner),
            due_date=t.due_date,
            status=t.get_status_display(),
            risk=t.problem.risk,
            done=t.status == RemediationTask.Status.VERIFIED,
            open=t.status in RemediationTask.OPEN,
        )
        for t in RemediationTask.objects.filter(problem__in=problems)
        .select_related("owner", "problem")
        .order_by("due_date", "pk")
    )
