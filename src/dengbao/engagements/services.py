"""Writes of the contract: its record, schedule facts, extensions, deliverables and money.

The project manager (``project.edit``) keeps the contract; the client contact
(``project.accept_deliverable``) accepts what was delivered. Each write is audited in
its own transaction; a refused one is audited by the permission layer before anything starts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dengbao import parse, uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.engagement import money, schedule, sla
from dengbao.inbox import services as inbox
from dengbao.inbox.models import Notice

from .models import (
    Attachment,
    Contract,
    Deliverable,
    Extension,
    LineItem,
    PaymentMilestone,
    Phase,
    SlaPolicy,
)

FACTS = ("survey_done", "gap_list_delivered", "remediation_reported", "reports_delivered", "accepted_on")
MAX_TEXT = 5000


def contract_create(
    *,
    actor: User | None,
    project: Project,
    title: str,
    signed_on: dt.date,
    total: Decimal,
    number: str = "",
    service_start: dt.date | None = None,
    line_items: list[dict] | None = None,
) -> Contract:
    """Record the signed contract with the standard phases, payment milestones and SLA targets."""
    if actor is not None:
        permissions.require(actor, "project.edit", project)
    title = parse.text(title, 200)
    if not title:
        raise ValidationError("请填写合同名称")
    if Contract.objects.filter(project=project).exists():
        raise ValidationError("本项目已登记合同")
    items = line_items or []
    if items and sum((Decimal(i["amount"]) for i in items), Decimal(0)) != total:
        raise ValidationError("合同明细金额之和与合同总价不一致")
    with transaction.atomic():
        contract = Contract.objects.create(
            project=project,
            number=parse.text(number, 64),
            title=title,
            client_party=project.client.name,
            provider_party=project.provider.name if project.provider_id else "",
            signed_on=signed_on,
            total=money.yuan(total),
            service_start=service_start or signed_on,
        )
        for position, item in enumerate(items, 1):
            line = LineItem.objects.create(
                contract=contract,
                position=position,
                item=item["item"],
                quantity=item.get("quantity", 1),
                unit=item.get("unit", ""),
                amount=money.yuan(item["amount"]),
                is_service=item.get("is_service", False),
            )
            if item.get("systems"):
                line.systems.set(project.systems.filter(code__in=item["systems"]))
        for position, planned in enumerate(schedule.plan(signed_on), 1):
            Phase.objects.create(
                contract=contract,
                position=position,
                key=planned.phase.key,
                name=planned.phase.name,
                workdays=planned.phase.workdays,
                planned_start=planned.start,
                planned_end=planned.end,
            )
        for position, m in enumerate(money.STANDARD_MILESTONES, 1):
            PaymentMilestone.objects.create(
                contract=contract,
                position=position,
                name=m.name,
                percent=m.percent,
                trigger=m.trigger.value,
                due_in=m.due_in,
                due_unit=m.unit.value,
                after_years=m.after_years,
            )
        for priority, target in sla.DEFAULT_TARGETS.items():
            SlaPolicy.objects.create(
                contract=contract,
                priority=priority.value,
                response_minutes=target.response_minutes,
                on_site_minutes=target.on_site_minutes,
            )
        audit.record(
            actor=actor,
            action="contract.create",
            obj=contract,
            details={"signed_on": signed_on.isoformat(), "total": str(contract.total), "items": len(items)},
            project=project,
        )
    return contract


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def contract_record_fact(
    *, actor: User | None, contract: Contract, fact: str, on: dt.date | None
) -> Contract:
    """Record (or clear, with None) the date of one of the facts the deadlines start from."""
    if actor is not None:
        permissions.require(actor, "project.edit", contract.project)
    if fact not in FACTS:
        raise ValidationError(f"未知的项目节点“{fact[:40]}”")
    if on is not None and on < contract.signed_on:
        raise ValidationError("日期不能早于合同签订日期")
    with transaction.atomic():
        contract = _locked(contract)
        before = getattr(contract, fact)
        setattr(contract, fact, on)
        contract.save(update_fields=[fact])
        audit.record(
            actor=actor,
            action="contract.fact",
            obj=contract,
            before={fact: before.isoformat() if before else None},
            after={fact: on.isoformat() if on else None},
            project=contract.project,
        )
    return contract


def phase_record(
    *, actor: User | None, phase: Phase, actual_start: dt.date | None, actual_end: dt.date | None
) -> Phase:
    if actor is not None:
        permissions.require(actor, "project.edit", phase.contract.project)
    if actual_start and actual_end and actual_end < actual_start:
        raise ValidationError("结束日期不能早于开始日期")
    with transaction.atomic():
        phase = Phase.objects.select_for_update().get(pk=phase.pk)
        phase.actual_start, phase.actual_end = actual_start, actual_end
        phase.save(update_fields=["actual_start", "actual_end"])
        audit.record(
            actor=actor,
            action="contract.phase",
            obj=phase,
            after={"start": str(actual_start or ""), "end": str(actual_end or "")},
            project=phase.contract.project,
        )
    return phase


def extension_add(
    *,
    actor: User,
    contract: Contract,
    cause: str,
    deadline: str,
    workdays: int,
    reason: str,
    approved_on: dt.date,
) -> Extension:
    """Record an extension and who approved it; only a client-side cause moves the deadlines."""
    permissions.require(actor, "project.edit", contract.project)
    if cause not in Extension.Cause.values:
        raise ValidationError("请选择延期原因方")
    if deadline not in Extension.Deadline.values:
        raise ValidationError("请选择顺延的期限")
    if not 0 < workdays <= 250:
        raise ValidationError("顺延工作日须在 1 到 250 之间")
    reason = parse.text(reason, MAX_TEXT)
    if not reason:
        raise ValidationError("请填写延期原因")
    with transaction.atomic():
        extension = Extension.objects.create(
            contract=contract,
            cause=cause,
            deadline=deadline,
            workdays=workdays,
            reason=reason,
            approved_by=actor,
            approved_on=approved_on,
        )
        audit.record(
            actor=actor,
            action="contract.extension",
            obj=extension,
            details={
                "cause": cause,
                "deadline": deadline,
                "workdays": workdays,
                "extends": extension.extends,
            },
            project=contract.project,
        )
    return extension


def deliverables_generate(*, actor: User | None, contract: Contract) -> int:
    """The checklist: per system 定级报告, 备案表, 等级测评报告, 备案证明. Returns how many were new.

    No due date is stored: the documents the provider writes are due by the project
    deadline as it stands when read (it moves with facts and extensions); the certificate
    is issued by the police and has no contractual date.
    """
    project = contract.project
    if actor is not None:
        permissions.require(actor, "project.edit", project)
    created = 0
    with transaction.atomic():
        for system in project.systems.order_by("code", "name"):
            for kind in Deliverable.Kind.values:
                _, new = Deliverable.objects.get_or_create(contract=contract, system=system, kind=kind)
                created += new
        audit.record(
            actor=actor,
            action="deliverable.generate",
            obj=contract,
            details={"new": created},
            project=project,
        )
    return created


def deliverable_deliver(
    *,
    actor: User | None,
    deliverable: Deliverable,
    delivered_on: dt.date,
    document_id: int | None = None,
    reference: str = "",
) -> Deliverable:
    """Mark a deliverable handed over, with the document version given (a document of this system)."""
    project = deliverable.contract.project
    if actor is not None:
        permissions.require(actor, "project.edit", project)
    documents = project.documents.filter(system=deliverable.system, kind=deliverable.kind)
    if document_id is not None:
        document = documents.filter(pk=document_id).first()
        if document is None:
            raise ValidationError("所选文档不是该系统的这类文档")
    else:  # the latest version generated, if any (the 备案证明 is the police's, never generated)
        document = documents.order_by("-version").first()
    with transaction.atomic():
        deliverable = Deliverable.objects.select_for_update(of=("self",)).get(pk=deliverable.pk)
        if deliverable.accepted_at:
            raise ValidationError("该交付物已验收，不能再修改")
        deliverable.delivered_on = delivered_on
        deliverable.document = document
        deliverable.reference = parse.text(reference, 100)
        deliverable.rejected_at = deliverable.rejected_by = None  # delivered again after a rejection
        deliverable.save(
            update_fields=["delivered_on", "document", "reference", "rejected_at", "rejected_by"]
        )
        # handing a version over releases it to the client (a signed report is the client's already)
        released = document is not None and _release_delivered(document, actor)
        audit.record(
            actor=actor,
            action="deliverable.deliver",
            obj=deliverable,
            details={
                "document": document.pk if document else None,
                "delivered_on": delivered_on.isoformat(),
                "released": released,
            },
            project=project,
        )
    return deliverable


def _release_delivered(document, actor: User | None) -> bool:
    """Release a delivered document version to the client; False if it was visible already.
    An unsigned 等级测评报告 is never released this way: it reaches the client by being signed."""
    if document.released or document.kind == "assessment_report":
        return False
    document.released_at, document.released_by = timezone.now(), actor
    document.save(update_fields=["released_at", "released_by"])
    return True


def _reviewable(deliverable: Deliverable) -> Deliverable:
    """The deliverable locked for the client's decision; refused unless it waits for one."""
    deliverable = Deliverable.objects.select_for_update(of=("self",)).get(pk=deliverable.pk)
    if not deliverable.delivered_on:
        raise ValidationError("尚未交付，不能验收")
    if deliverable.accepted_at:
        raise ValidationError("该交付物已验收")
    if deliverable.rejected_at:
        raise ValidationError("该交付物已退回，等待重新交付")
    return deliverable


def deliverable_accept(
    *, actor: User, deliverable: Deliverable, comment: str = "", at: dt.datetime | None = None
) -> Deliverable:
    """The client contact accepts a delivered deliverable: who, when and any comment are kept."""
    project = deliverable.contract.project
    permissions.require(actor, "project.accept_deliverable", project)  # a refusal is audited, outside
    with transaction.atomic():
        deliverable = _reviewable(deliverable)
        deliverable.accepted_by, deliverable.accepted_at = actor, at or timezone.now()
        deliverable.review_comment = parse.text(comment, MAX_TEXT)
        deliverable.save(update_fields=["accepted_by", "accepted_at", "review_comment"])
        audit.record(
            actor=actor,
            action="deliverable.accept",
            obj=deliverable,
            details={"document": deliverable.document_id, "comment": deliverable.review_comment},
            project=project,
        )
        inbox.notify(
            inbox.managers(project),
            kind=Notice.Kind.ACCEPTED,
            subject=f"{deliverable.system} {deliverable.get_kind_display()}",
            link=reverse("engagements:deliverables", kwargs={"project": project.slug}),
            project=project,
        )
    return deliverable


def deliverable_reject(*, actor: User, deliverable: Deliverable, comment: str) -> Deliverable:
    """The client contact sends a delivered version back, saying why; the managers are notified."""
    project = deliverable.contract.project
    permissions.require(actor, "project.accept_deliverable", project)
    comment = parse.text(comment, MAX_TEXT)
    if not comment:
        raise ValidationError("退回时请写明原因")
    with transaction.atomic():
        deliverable = _reviewable(deliverable)
        deliverable.rejected_by, deliverable.rejected_at = actor, timezone.now()
        deliverable.review_comment = comment
        deliverable.save(update_fields=["rejected_by", "rejected_at", "review_comment"])
        audit.record(
            actor=actor,
            action="deliverable.reject",
            obj=deliverable,
            details={"document": deliverable.document_id, "comment": comment},
            project=project,
        )
        inbox.notify(
            inbox.managers(project),
            kind=Notice.Kind.REJECTED,
            subject=f"{deliverable.system} {deliverable.get_kind_display()}：{comment[:120]}",
            link=reverse("engagements:deliverables", kwargs={"project": project.slug}),
            project=project,
        )
    return deliverable


def attachment_add(*, actor: User, contract: Contract, kind: str, upload: UploadedFile) -> Attachment:
    """Store the signed contract or the bid with its SHA-256, refused beyond the upload limit."""
    permissions.require(actor, "project.edit", contract.project)
    if kind not in Attachment.Kind.values:
        raise ValidationError("请选择附件类型")
    received = uploads.receive(upload, default_name="attachment")
    name = received.name
    with transaction.atomic():
        attachment = Attachment(
            contract=contract,
            kind=kind,
            filename=name,
            size=received.size,
            sha256=received.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit.record(
            actor=actor,
            action="contract.attachment",
            obj=attachment,
            details={"file": name, "size": received.size, "sha256": attachment.sha256},
            project=contract.project,
        )
    return attachment
