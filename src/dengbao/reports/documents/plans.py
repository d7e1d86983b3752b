"""Reading an assessment's records for its 差距分析问题列表 (Word), 安全整改方案 and 复测对比报告
(the kinds: gap_list_docx.py, remediation_plan.py, retest_report.py).

Each turns the records, read under the actor's permission, into the plain input of its
``core.documents`` module; the version keeps that input as JSON.

All three need ``project.view_internal``: generating stores a version, which
``document_store`` allows the provider side only. The client receives the stored documents
through the documents page (``project.view``), as it receives the gap list on screen.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.assessments.models import Assessment, AssessmentObject, Round
from dengbao.assessments.problem_models import Problem
from dengbao.assessments.problem_selectors import GapEntry, GapFilters, gap_list
from dengbao.assessments.remediation_models import RemediationTask
from dengbao.assessments.selectors import round_diff, round_score
from dengbao.core.catalogue import default as catalogue
from dengbao.core.documents import remediation_plan as rp
from dengbao.core.documents import retest_report as rr
from dengbao.core.documents.plan_common import Subject, as_data
from dengbao.core.scoring import ScoringError

from .base import DocumentNotReady, Draft

ACTION = "project.view_internal"


# --- reading the records ---------------------------------------------------------------


def plan_subject(assessment: Assessment, rnd: Round) -> Subject:
    project = assessment.project
    return Subject(
        client=project.client.name,
        agency=project.provider.name,
        assessment=assessment.name,
        systems=tuple(s.name for s in assessment.systems.order_by("code", "name")),
        level=assessment.level,
        sa=assessment.sa,
        round_label=rnd.label,
        date=timezone.localdate(),
    )


def plan_data(*, actor: User, assessment: Assessment, rnd: Round) -> rp.PlanData:
    """The current round's problems in catalogue order, each with the task that remedies its unit.

    Tasks are given out on the round the problem was found in; a 复测 round's problem for the
    same test unit is the same problem still open, so it carries the latest task of that unit.
    """
    permissions.require(actor, ACTION, assessment.project)
    entries = current_entries(actor, assessment)
    tasks: dict[str, RemediationTask] = {}
    for task in (
        RemediationTask.objects.filter(
            problem__round__assessment=assessment, problem__round__number__lte=rnd.number
        )
        .select_related("owner", "problem__round")
        .order_by("problem__round__number", "created_at", "id")
    ):
        tasks[task.problem.unit_id] = task  # later rounds and later tasks win
    items = []
    for e in entries:
        task = tasks.get(e.problem.unit_id)
        items.append(
            rp.PlanItem(
                row=e.gap_row(),
                unit=e.problem.unit_id,
                case_status=e.problem.case_status,
                owner=str(task.owner) if task else "",
                due_date=task.due_date if task else None,
                task_status=task.get_status_display() if task else "",
                measure=task.measure if task else "",
            )
        )
    majors = tuple(
        rp.MajorRiskItem(
            title=m.title,
            description=m.description,
            units=tuple(sorted(p.unit_id for p in m.problems.all())),
            fixed=m.fixed,
        )
        for m in rnd.major_risks.prefetch_related("problems").order_by("created_at", "pk")
    )
    return rp.PlanData(subject=plan_subject(assessment, rnd), items=tuple(items), major_risks=majors)


def retest_data(*, actor: User, assessment: Assessment) -> rr.RetestData:
    """The last two rounds' figures, changed results and problems; one round only is an error."""
    permissions.require(actor, ACTION, assessment.project)
    rounds = list(assessment.rounds.order_by("-number")[:2])
    if len(rounds) < 2:
        raise DocumentNotReady(["复测轮次（该测评只有初测：开始复测并录入复测结果后，才能生成复测对比报告）"])
    after, before = rounds
    figures = []
    for rnd in (before, after):
        try:
            figures.append(
                rr.RoundFigures.from_score(
                    rnd.label, round_score(actor=actor, rnd=rnd), major_risks_found=rnd.major_risks.count()
                )
            )
        except ScoringError as exc:
            raise DocumentNotReady([f"{rnd.label}的测评结果（{exc}）"]) from exc
    by_id = catalogue().by_id
    order = _catalogue_order()
    changed = sorted(round_diff(actor=actor, before=before, after=after), key=lambda c: (order(c[1]), c[0]))
    changes = []
    for obj, unit, old, new in changed:
        item = by_id.get(unit)
        requirement = f"{item.control_point} {item.letter}）{item.requirement}" if item else unit
        changes.append(rr.ChangedItem(obj=obj, unit=unit, requirement=requirement, before=old, after=new))
    subject = plan_subject(assessment, after)
    return rr.RetestData(
        subject=subject,
        before=figures[0],
        after=figures[1],
        changes=tuple(changes),
        before_problems=_round_problems(assessment, before),
        after_problems=_round_problems(assessment, after),
    )


def current_entries(actor: User, assessment: Assessment) -> list[GapEntry]:
    """The gap list exactly as the page and the Excel export show it (catalogue order)."""
    return gap_list(actor=actor, project=assessment.project, assessment=assessment, filters=GapFilters())


def _round_problems(assessment: Assessment, rnd: Round) -> tuple[rr.RoundProblem, ...]:
    """Any round's problems as gap-list rows, in catalogue order (``gap_list`` reads the current one)."""
    cat = catalogue()
    cases = {c.id: c for c in cat.high_risk}
    order = _catalogue_order()
    problems = Problem.objects.filter(round=rnd).prefetch_related(
        Prefetch("test_objects", queryset=AssessmentObject.objects.order_by("kind", "name"))
    )
    entries = [
        GapEntry(
            problem=p,
            assessment=assessment,
            item=cat.by_id.get(p.unit_id),
            case=cases.get(p.high_risk_case),
            objects=list(p.test_objects.all()),
        )
        for p in problems
    ]
    entries.sort(key=lambda e: order(e.problem.unit_id))
    return tuple(rr.RoundProblem(unit=e.problem.unit_id, row=e.gap_row()) for e in entries)


def _catalogue_order():
    positions = {item.id: n for n, item in enumerate(catalogue().items)}
    return lambda unit: positions.get(unit, 1 << 30)


# --- the common steps ------------------------------------------------------------------


def current_round(project: Project, assessment: Assessment) -> Round:
    if assessment.project_id != project.pk:
        raise Http404("assessment not found")
    return assessment.rounds.order_by("-number").first()


def draft(assessment: Assessment, rnd: Round, title: str, data, *, note: str = "") -> Draft:
    """Filed under the assessment and round, named after its systems' codes; the input kept as JSON."""
    codes = "-".join(s.code or str(s.pk) for s in assessment.systems.order_by("code", "name")) or str(
        assessment.pk
    )
    return Draft(
        data=data,
        filename=f"{codes}-{title}-{rnd.label}.docx",
        note=note or rnd.label,
        assessment=assessment,
        round_number=rnd.number,
        stored=as_data(data),
    )
