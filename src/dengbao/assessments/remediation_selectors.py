"""Reads of the remediation plan, through the project's permission check.

Every member of the project sees its plan (``project.view``): the client contact follows
the tasks given to them, the provider all of them. A task of another assessment is 404.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.accounts.roles import ProjectRole

from .models import Assessment
from .problem_models import Problem
from .remediation_models import RemediationEvidence, RemediationTask

OWNER_ROLES = tuple(r for r in ProjectRole if r in permissions.PROJECT_ACTIONS["project.upload_remediation"])


@dataclass(frozen=True)
class PlanFilters:
    status: str = ""
    owner_id: int | None = None
    overdue: bool = False

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PlanFilters:
        """Unknown values are ignored rather than refused, as in the gap list."""
        status = params.get("status", "")
        owner = params.get("owner", "")
        return cls(
            status=status if status in RemediationTask.Status.values else "",
            owner_id=int(owner) if owner.isdigit() else None,
            overdue=params.get("overdue") == "1",
        )


def _tasks(assessment: Assessment):
    return RemediationTask.objects.filter(problem__round__assessment=assessment).select_related(
        "problem__round", "owner", "verified_by"
    )


def plan(*, actor: User, assessment: Assessment, filters: PlanFilters) -> list[RemediationTask]:
    """Every task of the assessment (all rounds), earliest due first, filtered."""
    permissions.require(actor, "project.view", assessment.project)
    qs = _tasks(assessment)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.overdue:
        qs = qs.filter(status__in=RemediationTask.OPEN, due_date__lt=timezone.localdate())
    return list(qs.order_by("due_date", "problem__unit_id", "id"))


def plan_counts(*, actor: User, assessment: Assessment) -> dict[str, int]:
    """Tasks per status, plus ``overdue`` and ``total``, for the plan's header."""
    permissions.require(actor, "project.view", assessment.project)
    tasks = RemediationTask.objects.filter(problem__round__assessment=assessment)
    rows = list(tasks.values_list("status", "due_date"))
    today = timezone.localdate()
    counts = Counter(status for status, _due in rows)
    counts["overdue"] = sum(status in RemediationTask.OPEN and due < today for status, due in rows)
    counts["total"] = len(rows)
    return dict(counts)


def task_get(*, actor: User, assessment: Assessment, task_id: int) -> RemediationTask:
    permissions.require(actor, "project.view", assessment.project)
    task = _tasks(assessment).select_related("problem__round__assessment__project").filter(pk=task_id).first()
    if task is None:
        raise Http404("task not found")
    return task


def task_evidence(*, actor: User, task: RemediationTask) -> list[RemediationEvidence]:
    permissions.require(actor, "project.view", task.problem.round.assessment.project)
    return list(task.evidence.select_related("uploaded_by"))


def evidence_get(*, actor: User, task: RemediationTask, evidence_id: int) -> RemediationEvidence:
    permissions.require(actor, "project.view", task.problem.round.assessment.project)
    evidence = task.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("evidence not found")
    return evidence


def problem_tasks(*, actor: User, problem: Problem) -> list[RemediationTask]:
    """The tasks of the problem's unit: a task belongs to the unit in the system and follows it
    from round to round, so a 复测's problem shows the task given in the 初测, with its status."""
    permissions.require(actor, "project.view", problem.round.assessment.project)
    tasks = RemediationTask.objects.filter(
        problem__round__assessment_id=problem.round.assessment_id,
        problem__round__number__lte=problem.round.number,
        problem__unit_id=problem.unit_id,
    )
    return list(
        tasks.select_related("owner", "verified_by", "problem__round", "closed_by_round")
        .annotate(evidence_count=Count("evidence"))
        .order_by("created_at", "id")
    )


def problems_without_task(*, actor: User, assessment: Assessment) -> list[Problem]:
    """Open problems of the round shown that nobody has been given yet: what the plan still lacks.
    A unit given a task in any round has one — the task follows it into the 复测."""
    from .problem_selectors import shown_round

    rnd = shown_round(actor=actor, assessment=assessment)
    if rnd is None:
        return []
    tasked = RemediationTask.objects.filter(problem__round__assessment=assessment).values("problem__unit_id")
    return list(
        Problem.objects.filter(round=rnd, status=Problem.Status.OPEN)
        .exclude(unit_id__in=tasked)
        .order_by("unit_id")
    )


def owner_choices(*, actor: User, project: Project) -> list[User]:
    """The members a task can be given to: those who may upload remediation evidence."""
    permissions.require(actor, "project.view", project)
    return list(
        User.objects.filter(
            memberships__project=project, memberships__role__in=OWNER_ROLES, is_active=True
        ).order_by("username")
    )


def task_owners(*, actor: User, assessment: Assessment) -> list[User]:
    """Everyone who owns a task in this assessment, for the plan's owner filter."""
    permissions.require(actor, "project.view", assessment.project)
    ids = _tasks(assessment).values_list("owner_id", flat=True)
    return list(User.objects.filter(pk__in=ids).order_by("username"))
