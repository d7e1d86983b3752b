"""Writes of hardening (加固): an action from the manual or written by hand, its steps done one by
one, then its verification. Recorded by the provider's staff (``project.record``); audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core.engagement import hardening

from .inspection_models import HardeningAction, HardeningStep, InspectionResult, InspectionVisit
from .models import Contract

MAX_STEPS = 30
S = HardeningAction.Status


def action_create(
    *,
    actor: User,
    contract: Contract,
    measure: str = "",
    title: str = "",
    steps: list[str] | None = None,
    verify_method: str = "",
    visit: InspectionVisit | None = None,
    result: InspectionResult | None = None,
) -> HardeningAction:
    """Plan a hardening action: a measure of the manual (its steps copied) or a title and steps."""
    project = contract.project
    permissions.require(actor, "project.record", project)
    entry = hardening.measure(measure) if measure else None
    if measure and entry is None:
        raise ValidationError("加固手册中没有该条目")
    title = parse.text(title, 200) or (entry.title if entry else "")
    if not title:
        raise ValidationError("请填写加固措施或选择加固手册条目")
    texts = [parse.text(s, 300) for s in (steps or []) if s.strip()] or list(entry.steps if entry else ())
    if not texts:
        raise ValidationError("请至少填写一个步骤")
    if len(texts) > MAX_STEPS:
        raise ValidationError(f"步骤不能超过 {MAX_STEPS} 个")
    if visit is not None and visit.contract_id != contract.pk:
        raise ValidationError("巡检记录不属于本合同")
    target = None
    if result is not None:
        if visit is None or result.target.visit_id != visit.pk:
            raise ValidationError("检查项不属于该巡检记录")
        target = result.target
    with transaction.atomic():
        action = HardeningAction.objects.create(
            contract=contract,
            visit=visit,
            target=target,
            result=result,
            measure=entry.key if entry else "",
            title=title,
            verify_method=parse.text(verify_method, 300) or (entry.verify if entry else ""),
            created_by=actor,
        )
        HardeningStep.objects.bulk_create(
            HardeningStep(action=action, position=n, text=t) for n, t in enumerate(texts, 1)
        )
        audit.record(
            actor=actor,
            action="hardening.create",
            obj=action,
            details={"measure": action.measure, "steps": len(texts), "visit": visit.pk if visit else None},
            project=project,
        )
    return action


def _locked(action: HardeningAction) -> HardeningAction:
    return HardeningAction.objects.select_for_update().get(pk=action.pk)


def step_record(*, actor: User, step: HardeningStep, done: bool, note: str = "") -> HardeningStep:
    """Tick a step done (or undo it) while the action is not yet done."""
    action = step.action
    project = action.contract.project
    permissions.require(actor, "project.record", project)
    with transaction.atomic():
        action = _locked(action)
        if action.status not in (S.PLANNED, S.FAILED):
            raise ValidationError("该加固措施已完成，步骤不能再修改")
        step = HardeningStep.objects.select_for_update(of=("self",)).get(pk=step.pk)
        step.done_at, step.done_by = (timezone.now(), actor) if done else (None, None)
        step.note = parse.text(note, 300)
        step.save(update_fields=["done_at", "done_by", "note"])
        audit.record(
            actor=actor,
            action="hardening.step",
            obj=action,
            details={"step": step.position, "done": done},
            project=project,
        )
    return step


def action_done(*, actor: User, action: HardeningAction) -> HardeningAction:
    """Every step done: the action waits for its verification."""
    project = action.contract.project
    permissions.require(actor, "project.record", project)
    with transaction.atomic():
        action = _locked(action)
        if action.status not in (S.PLANNED, S.FAILED):
            raise ValidationError("该加固措施不在待加固状态")
        pending = [s.position for s in action.steps.all() if s.done_at is None]
        if pending:
            raise ValidationError(f"还有步骤未完成：{'、'.join(map(str, pending))}")
        action.status, action.done_by, action.done_at = S.DONE, actor, timezone.now()
        action.save(update_fields=["status", "done_by", "done_at"])
        audit.record(actor=actor, action="hardening.done", obj=action, project=project)
    return action


def action_verify(
    *, actor: User, action: HardeningAction, passed: bool, verification: str
) -> HardeningAction:
    """Record the check that the hardening works; a failed check sends the action back to be redone."""
    project = action.contract.project
    permissions.require(actor, "project.record", project)
    verification = parse.text(verification, 5000)
    if not verification:
        raise ValidationError("请填写验证记录")
    with transaction.atomic():
        action = _locked(action)
        if action.status != S.DONE:
            raise ValidationError("只有已加固的措施可以验证")
        action.status = S.VERIFIED if passed else S.FAILED
        action.verified_by, action.verified_at, action.verification = actor, timezone.now(), verification
        action.save(update_fields=["status", "verified_by", "verified_at", "verification"])
        if not passed:
            action.steps.update(done_at=None, done_by=None)
        audit.record(
            actor=actor, action="hardening.verify", obj=action, details={"passed": passed}, project=project
        )
    return action


def action_cancel(*, actor: User, action: HardeningAction, reason: str) -> HardeningAction:
    project = action.contract.project
    permissions.require(actor, "project.record", project)
    reason = parse.text(reason, 5000)
    if not reason:
        raise ValidationError("请填写取消原因")
    with transaction.atomic():
        action = _locked(action)
        if action.status == S.VERIFIED:
            raise ValidationError("已验证的措施不能取消")
        action.status, action.verification = S.CANCELLED, reason
        action.save(update_fields=["status", "verification"])
        audit.record(actor=actor, action="hardening.cancel", obj=action, project=project)
    return action
