"""Writes of the remediation plan: tasks, the owner's evidence and submission, the provider's verdict.

Two sides work on a task. The provider (``project.record``) creates it, sets its owner and
due date, and verifies or rejects what was submitted. The owner — a member who may upload
remediation evidence (``project.upload_remediation``: the client contact, or the project
manager) — describes the measure, uploads evidence and submits. The project manager holds
both rights and may act for the client (evidence sent by mail, for instance); another
client contact who is not the owner may look but not act. Every write is audited.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dengbao import parse, uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.errors import Refused

from . import problem_services
from .problem_models import Problem
from .remediation_models import RemediationEvidence, RemediationTask

Status = RemediationTask.Status
MAX_TEXT = 10000


def _project(task: RemediationTask) -> Project:
    return task.problem.round.assessment.project


def _deny(actor: User, task: RemediationTask, wanted: str, message: str) -> None:
    audit.record(
        actor=actor,
        action="permission.denied",
        obj=task,
        outcome="denied",
        details={"wanted": wanted},
        project=_project(task),
    )
    raise Refused(message)


def is_worker(actor: User, task: RemediationTask) -> bool:
    """May ``actor`` work on the task: its owner, or a manager acting for the client."""
    project = _project(task)
    if not permissions.can(actor, "project.upload_remediation", project):
        return False
    return task.owner_id == actor.pk or permissions.can(actor, "project.record", project)


def _require_worker(actor: User, task: RemediationTask) -> None:
    permissions.require(actor, "project.upload_remediation", _project(task))
    if not is_worker(actor, task):
        _deny(actor, task, "remediation.owner", "只有任务负责人可以上传证据或提交整改")


def _owner(project: Project, owner_id: int | None) -> User:
    """The owner must be a member of the project who may upload remediation evidence."""
    owner = User.objects.filter(pk=owner_id, memberships__project=project).first() if owner_id else None
    if owner is None:
        raise ValidationError("负责人须为本项目成员")
    if not permissions.can(owner, "project.upload_remediation", project):
        raise ValidationError(
            f"{owner} 不能上传整改证据：负责人须为本项目的客户联系人或项目经理",
        )
    return owner


def _check_due(due_date: date | None) -> date:
    if due_date is None:
        raise ValidationError("请填写完成期限")
    if due_date < timezone.localdate():
        raise ValidationError("完成期限不能早于今天")
    return due_date


def _locked(task: RemediationTask) -> RemediationTask:
    """The task's row, locked for this transaction, with its current status."""
    return (
        RemediationTask.objects.select_for_update(of=("self",))
        .select_related("problem__round__assessment__project")
        .get(pk=task.pk)
    )


def task_create(
    *, actor: User, problem: Problem, owner_id: int, due_date: date | None, measure: str = ""
) -> RemediationTask:
    """Assign a problem to an owner with a due date; the measure defaults to the problem's 整改建议."""
    project = problem.round.assessment.project
    permissions.require(actor, "project.record", project)
    if problem.status != Problem.Status.OPEN:
        raise ValidationError(f"该问题{problem.get_status_display()}，无需整改任务")
    owner = _owner(project, owner_id)
    due_date = _check_due(due_date)
    with transaction.atomic():
        task = RemediationTask.objects.create(
            problem=problem,
            owner=owner,
            due_date=due_date,
            measure=parse.text(measure, MAX_TEXT) or problem.remediation,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="remediation.create",
            obj=task,
            after=task.summary(),
            details={"problem": problem.unit_id},
            project=project,
        )
    return task


def task_create_many(
    *, actor: User, problems: list[Problem], owner_id: int, due_date: date | None
) -> list[RemediationTask]:
    """One task per chosen problem, all with the same owner and due date, in one transaction
    (all or none); each measure is the problem's own 整改建议. Refused if a problem is not open."""
    if problems:
        permissions.require(actor, "project.record", problems[0].round.assessment.project)
    if not problems:
        raise ValidationError("请勾选要安排整改的问题")
    with transaction.atomic():
        return [task_create(actor=actor, problem=p, owner_id=owner_id, due_date=due_date) for p in problems]


def task_update(
    *,
    actor: User,
    task: RemediationTask,
    measure: str,
    due_date: date | None = None,
    owner_id: int | None = None,
) -> RemediationTask:
    """The provider changes the measure, due date or owner; the owner only the measure.

    ``due_date`` / ``owner_id`` left as None keep their values. The owner's first edit
    moves a task 待整改 or 已退回 to 整改中.
    """
    project = _project(task)
    provider = permissions.can(actor, "project.record", project)
    if not provider:
        _require_worker(actor, task)
    with transaction.atomic():
        task = _locked(task)
        if task.status == Status.VERIFIED:
            raise ValidationError("任务已验证，不能再修改")
        if not provider and task.status == Status.SUBMITTED:
            raise ValidationError("任务已提交，等待测评方验证；退回后才能修改")
        changes: dict[str, object] = {"measure": parse.text(measure, MAX_TEXT)}
        if due_date is not None and due_date != task.due_date:
            changes["due_date"] = _check_due(due_date)
        if owner_id is not None and owner_id != task.owner_id:
            changes["owner"] = _owner(project, owner_id)
        if not provider and set(changes) - {"measure"}:
            raise ValidationError("只有测评方可以修改负责人和完成期限")
        if not changes["measure"]:
            raise ValidationError("请填写整改措施")
        before = task.summary()
        for field, value in changes.items():
            setattr(task, field, value)
        if not provider and task.status in (Status.TODO, Status.REJECTED):
            task.status = Status.DOING
        if task.summary() == before:
            return task
        task.updated_at = timezone.now()
        task.save()
        audit.record(
            actor=actor,
            action="remediation.update",
            obj=task,
            before=before,
            after=task.summary(),
            project=project,
        )
    return task


def evidence_add(*, actor: User, task: RemediationTask, upload: UploadedFile) -> RemediationEvidence:
    """Store one evidence file with its SHA-256, read in chunks and refused beyond the upload limit."""
    _require_worker(actor, task)
    project = _project(task)
    received = uploads.receive(upload, default_name="evidence")
    name = received.name
    with transaction.atomic():
        task = _locked(task)
        if task.status == Status.SUBMITTED:
            raise ValidationError("任务已提交，正在等待测评方验证；退回后才能再上传证据")
        if task.status == Status.VERIFIED:
            raise ValidationError("任务已验证，不能再上传证据")
        evidence = RemediationEvidence(
            task=task, filename=name, size=received.size, sha256=received.sha256, uploaded_by=actor
        )
        evidence.file.save(name, upload, save=False)
        evidence.save()
        if task.status in (Status.TODO, Status.REJECTED):
            task.status, task.updated_at = Status.DOING, timezone.now()
            task.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action="remediation.evidence_add",
            obj=task,
            details={"file": evidence.filename, "size": received.size, "sha256": evidence.sha256},
            project=project,
        )
    return evidence


def task_submit(*, actor: User, task: RemediationTask, note: str) -> RemediationTask:
    """The owner reports the fix done, with a note on what was changed: 待验证."""
    _require_worker(actor, task)
    note = parse.text(note, MAX_TEXT)
    if not note:
        raise ValidationError("请填写整改说明（做了哪些整改）")
    with transaction.atomic():
        task = _locked(task)
        if task.status == Status.SUBMITTED:
            raise ValidationError("任务已提交，正在等待测评方验证")
        if task.status == Status.VERIFIED:
            raise ValidationError("任务已验证，无需再提交")
        before = task.summary()
        now = timezone.now()
        task.status, task.client_note, task.submitted_at, task.updated_at = Status.SUBMITTED, note, now, now
        task.save()
        audit.record(
            actor=actor,
            action="remediation.submit",
            obj=task,
            before=before,
            after=task.summary(),
            details={"evidence": task.evidence.count()},
            project=_project(task),
        )
    return task


def task_verify(*, actor: User, task: RemediationTask, decision: str, note: str = "") -> RemediationTask:
    """The provider's verdict on a submitted task.

    ``verified``: the task is closed and, once every task of the problem is verified, the
    problem is marked 已整改. ``rejected``: a note saying what is still missing is required,
    and the task goes back to the owner (已退回, worked on like 整改中).
    """
    project = _project(task)
    permissions.require(actor, "project.record", project)
    if decision not in (Status.VERIFIED, Status.REJECTED):
        raise ValidationError(f"未知的验证结论“{decision}”")
    note = parse.text(note, MAX_TEXT)
    if decision == Status.REJECTED and not note:
        raise ValidationError("退回时须填写验证意见，说明哪些地方仍不满足要求")
    with transaction.atomic():
        task = _locked(task)
        if task.status != Status.SUBMITTED:
            raise ValidationError(f"任务{task.get_status_display()}，只有待验证的任务可以验证")
        before = task.summary()
        now = timezone.now()
        task.status, task.verification_note = decision, note
        task.verified_by, task.verified_at, task.updated_at = actor, now, now
        task.save()
        audit.record(
            actor=actor,
            action="remediation.verify" if decision == Status.VERIFIED else "remediation.reject",
            obj=task,
            before=before,
            after=task.summary(),
            project=project,
        )
        problem = task.problem
        if (
            decision == Status.VERIFIED
            and problem.status == Problem.Status.OPEN
            and not problem.tasks.exclude(status=Status.VERIFIED).exists()
        ):
            problem_services.problem_set_fixed(actor=actor, problem=problem)
    return task
