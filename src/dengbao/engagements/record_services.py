"""Writes behind the recording forms that the first version lacked: contract line items,
training files (materials and the sign-in sheet) and the handling of feedback. Audited."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from dengbao import parse, uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core.engagement import money

from .followup_models import FeedbackHandling, TrainingFile
from .models import Contract, LineItem
from .service_models import Feedback, TrainingSession

MAX_TRAINING_FILES = 20


def line_item_add(
    *,
    actor: User,
    contract: Contract,
    item: str,
    amount: Decimal,
    quantity: int = 1,
    unit: str = "",
    system_ids: list[int] | None = None,
    is_service: bool = False,
) -> LineItem:
    """Add a line of the contract (what it pays for, tied to the systems it covers)."""
    project = contract.project
    permissions.require(actor, "project.edit", project)
    item = parse.text(item, 200)
    if not item:
        raise ValidationError("请填写明细项目")
    if not 0 < quantity <= 100000:
        raise ValidationError("数量须为正整数")
    systems = list(project.systems.filter(pk__in=system_ids or []))
    if len(systems) != len(set(system_ids or [])):
        raise ValidationError("所选系统不属于本项目")
    with transaction.atomic():
        Contract.objects.select_for_update().get(pk=contract.pk)
        position = (contract.line_items.aggregate(n=Max("position"))["n"] or 0) + 1
        line = LineItem.objects.create(
            contract=contract,
            position=position,
            item=item,
            quantity=quantity,
            unit=parse.text(unit, 50),
            amount=money.yuan(amount),
            is_service=is_service,
        )
        line.systems.set(systems)
        audit.record(
            actor=actor,
            action="contract.line_item",
            obj=line,
            details={"amount": str(line.amount), "systems": [s.code or s.name for s in systems]},
            project=project,
        )
    return line


def line_item_delete(*, actor: User, line: LineItem) -> None:
    contract = line.contract
    permissions.require(actor, "project.edit", contract.project)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="contract.line_item_delete",
            obj=contract,
            details={"position": line.position, "item": line.item, "amount": str(line.amount)},
            project=contract.project,
        )
        line.delete()


def line_items_mismatch(contract: Contract) -> Decimal | None:
    """How far the line items' sum is from the contract total (None when they agree or there are none)."""
    amounts = [i.amount for i in contract.line_items.all()]
    if not amounts:
        return None
    gap = sum(amounts, Decimal(0)) - contract.total
    return gap or None


def training_file_add(
    *, actor: User, session: TrainingSession, kind: str, upload: UploadedFile
) -> TrainingFile:
    """Attach the training materials or the signed sign-in sheet, bounded, with its SHA-256."""
    project = session.contract.project
    permissions.require(actor, "project.record", project)
    if kind not in TrainingFile.Kind.values:
        raise ValidationError("请选择文件类型")
    checked = uploads.receive(upload, default_name="training")
    with transaction.atomic():
        TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.files.count() >= MAX_TRAINING_FILES:
            raise ValidationError(f"每次培训最多 {MAX_TRAINING_FILES} 个文件")
        made = TrainingFile(
            session=session,
            kind=kind,
            filename=checked.name,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        made.file.save(checked.name, upload, save=False)
        made.save()
        audit.record(
            actor=actor,
            action="service.training_file",
            obj=made,
            details={"kind": kind, "file": checked.name, "size": checked.size, "sha256": checked.sha256},
            project=project,
        )
    return made


def feedback_handle(
    *, actor: User, feedback: Feedback, action: str, handled_on: dt.date, resolved: bool = False
) -> FeedbackHandling:
    """Add a handling record to a complaint or visit; the provider's staff handle (``project.record``)."""
    project = feedback.contract.project
    permissions.require(actor, "project.record", project)
    action = parse.text(action, 5000)
    if not action:
        raise ValidationError("请填写处理情况")
    if handled_on < feedback.received_on:
        raise ValidationError("处理日期不能早于反馈日期")
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if feedback.handlings.filter(resolved=True).exists():
            raise ValidationError("该反馈已办结")
        handling = FeedbackHandling.objects.create(
            feedback=feedback, handled_on=handled_on, action=action, resolved=resolved, by=actor
        )
        if resolved:
            feedback.handled_on = handled_on
            feedback.save(update_fields=["handled_on"])
        audit.record(
            actor=actor,
            action="service.feedback_handle",
            obj=feedback,
            details={"resolved": resolved, "on": handled_on.isoformat()},
            project=project,
        )
    return handling


def parse_attendees(text: str) -> tuple[list[dict[str, str]], dict[str, int]]:
    """One attendee a line: ``姓名, 部门[, 测验成绩]`` (commas, 、 or tabs). Returns people and scores."""
    people: list[dict[str, str]] = []
    scores: dict[str, int] = {}
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        parts = [p.strip() for p in re.split(r"[,，、\t]", raw)]
        if not any(parts):
            continue
        if len(parts) > 3 or not parts[0]:
            raise ValidationError(f"参训人员第 {number} 行应为“姓名, 部门, 成绩”")
        name, department, score = ([*parts, "", ""])[:3]
        people.append({"name": name[:50], "department": department[:100]})
        if score:
            if not score.isdigit() or not 0 <= int(score) <= 100:
                raise ValidationError(f"参训人员第 {number} 行的成绩须为 0 到 100 的整数")
            scores[name[:50]] = int(score)
    if len(people) > 500:
        raise ValidationError("参训人员不能超过 500 人")
    return people, scores
