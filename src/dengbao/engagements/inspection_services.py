"""Writes of the security inspection: the organisation's checklists, visits, per-item results,
evidence and automated check results. Every write is audited.

The provider's staff who record (``project.record``) inspect; the project manager
(``project.edit``) edits the checklists of the provider organisation; everyone on the
project reads the records.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dengbao import uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import Organisation, Project, User
from dengbao.audit import services as audit
from dengbao.core.catalogue.vocab import OBJECT_TYPES
from dengbao.core.engagement import inspection

from . import year_services
from .inspection_models import (
    InspectionEvidence,
    InspectionResult,
    InspectionTarget,
    InspectionTemplate,
    InspectionTemplateItem,
    InspectionVisit,
)
from .models import Contract
from .service_models import ServiceOccurrence

MAX_TARGETS = 50
MAX_AUTOMATED_BYTES = 256 * 1024
OUTCOMES = InspectionResult.Outcome


def template_owner(project: Project) -> Organisation:
    """Checklists belong to the organisation that inspects: the project's provider."""
    return project.provider


def checklist(organisation: Organisation, object_type: str) -> list[inspection.Item]:
    """The organisation's checklist for an object type, or the shipped default."""
    template = (
        InspectionTemplate.objects.filter(organisation=organisation, object_type=object_type)
        .prefetch_related("items")
        .first()
    )
    if template is None:
        return list(inspection.DEFAULTS.get(object_type, ()))
    return [inspection.Item(i.category, i.item, i.expected) for i in template.items.all()]


def _object_type(value: str) -> str:
    if value not in OBJECT_TYPES:
        raise ValidationError(f"未知的对象类型“{value[:20]}”")
    return value


def template_save(*, actor: User, project: Project, object_type: str, text: str) -> InspectionTemplate:
    """Replace the provider organisation's checklist for one object type (one item a line)."""
    permissions.require(actor, "project.edit", project)
    object_type = _object_type(object_type)
    try:
        items = inspection.parse_lines(text)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    organisation = template_owner(project)
    with transaction.atomic():
        template, _ = InspectionTemplate.objects.select_for_update().get_or_create(
            organisation=organisation, object_type=object_type
        )
        template.updated_by, template.updated_at = actor, timezone.now()
        template.save(update_fields=["updated_by", "updated_at"])
        template.items.all().delete()
        InspectionTemplateItem.objects.bulk_create(
            InspectionTemplateItem(
                template=template, position=n, category=i.category, item=i.check, expected=i.expected
            )
            for n, i in enumerate(items, 1)
        )
        audit.record(
            actor=actor,
            action="inspection.template",
            obj=template,
            details={"organisation": organisation.pk, "object_type": object_type, "items": len(items)},
            project=project,
        )
    return template


def template_reset(*, actor: User, project: Project, object_type: str) -> None:
    """Go back to the shipped default checklist for one object type."""
    permissions.require(actor, "project.edit", project)
    object_type = _object_type(object_type)
    organisation = template_owner(project)
    with transaction.atomic():
        deleted, _ = InspectionTemplate.objects.filter(
            organisation=organisation, object_type=object_type
        ).delete()
        audit.record(
            actor=actor,
            action="inspection.template_reset",
            obj=organisation,
            details={"object_type": object_type, "deleted": bool(deleted)},
            project=project,
        )


def visit_create(
    *,
    actor: User,
    contract: Contract,
    visited_on: dt.date,
    targets: list[dict],
    occurrence: ServiceOccurrence | None = None,
    participants: str = "",
) -> InspectionVisit:
    """Record a visit and the objects it looks at; each object gets a copy of its checklist.

    ``targets``: ``[{"object_type": "服务器/操作系统", "name": "HIS-DB01", "system_id": 3}]``.
    """
    project = contract.project
    permissions.require(actor, "project.record", project)
    if visited_on > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError("巡检日期不能晚于今天")
    cleaned = []
    for t in targets:
        name = str(t.get("name", "")).strip()[:100]
        if not name:
            continue
        system = None
        if t.get("system_id"):
            system = project.systems.filter(pk=t["system_id"]).first()
            if system is None:
                raise ValidationError("所选系统不属于本项目")
        cleaned.append((_object_type(str(t.get("object_type", ""))), name, system))
    if not cleaned:
        raise ValidationError("请至少填写一个巡检对象")
    if len(cleaned) > MAX_TARGETS:
        raise ValidationError(f"一次巡检的对象不能超过 {MAX_TARGETS} 个")
    if occurrence is not None and (occurrence.contract_id != contract.pk or occurrence.kind != "inspection"):
        raise ValidationError("所选服务事项不是本合同的安全巡检")
    organisation = template_owner(project)
    with transaction.atomic():
        if occurrence is not None and InspectionVisit.objects.filter(occurrence=occurrence).exists():
            raise ValidationError("该服务事项已有巡检记录")
        visit = InspectionVisit.objects.create(
            contract=contract,
            occurrence=occurrence,
            visited_on=visited_on,
            inspector=actor,
            participants=participants.strip()[:200],
        )
        lists: dict[str, list[inspection.Item]] = {}
        for position, (object_type, name, system) in enumerate(cleaned, 1):
            target = InspectionTarget.objects.create(
                visit=visit, position=position, system=system, object_type=object_type, name=name
            )
            if object_type not in lists:
                lists[object_type] = checklist(organisation, object_type)
            InspectionResult.objects.bulk_create(
                InspectionResult(
                    target=target, position=n, category=i.category, item=i.check, expected=i.expected
                )
                for n, i in enumerate(lists[object_type], 1)
            )
        audit.record(
            actor=actor,
            action="inspection.create",
            obj=visit,
            details={
                "visited_on": visited_on.isoformat(),
                "objects": [f"{t} {n}" for t, n, _ in cleaned],
                "occurrence": occurrence.pk if occurrence else None,
            },
            project=project,
        )
    return visit


def _open_visit(visit_id: int) -> InspectionVisit:
    visit = InspectionVisit.objects.select_for_update().get(pk=visit_id)
    if visit.finished_at:
        raise ValidationError("巡检已完成，记录不能再修改")
    return visit


def results_record(*, actor: User, target: InspectionTarget, results: dict[int, tuple[str, str]]) -> int:
    """Record the outcome and note of items of one object: ``{result_id: (outcome, note)}``."""
    project = target.visit.contract.project
    permissions.require(actor, "project.record", project)
    for outcome, _ in results.values():
        if outcome not in OUTCOMES.values:
            raise ValidationError("结果须为正常、异常或未检查")
    changed: dict[str, int] = {}
    with transaction.atomic():
        _open_visit(target.visit_id)
        for row in target.results.filter(pk__in=list(results)):
            outcome, note = results[row.pk]
            note = note.replace("\r\n", "\n").strip()[:2000]
            if outcome == OUTCOMES.ABNORMAL and not note:
                raise ValidationError(f"“{row.item[:30]}”为异常，请填写说明")
            if (row.outcome, row.note) != (outcome, note):
                row.outcome, row.note = outcome, note
                row.save(update_fields=["outcome", "note"])
                changed[outcome] = changed.get(outcome, 0) + 1
        audit.record(
            actor=actor,
            action="inspection.results",
            obj=target,
            details={"visit": target.visit_id, "changed": changed},
            project=project,
        )
    return sum(changed.values())


def evidence_add(*, actor: User, result: InspectionResult, upload: UploadedFile) -> InspectionEvidence:
    """Attach a screenshot or export to one item's result, bounded in size, with its SHA-256."""
    visit = result.target.visit
    project = visit.contract.project
    permissions.require(actor, "project.record", project)
    checked = uploads.receive(upload, default_name="evidence")
    with transaction.atomic():
        _open_visit(visit.pk)
        evidence = InspectionEvidence(
            result=result, filename=checked.name, size=checked.size, sha256=checked.sha256, uploaded_by=actor
        )
        evidence.file.save(checked.name, upload, save=False)
        evidence.save()
        audit.record(
            actor=actor,
            action="inspection.evidence",
            obj=evidence,
            details={
                "result": result.pk,
                "file": checked.name,
                "size": checked.size,
                "sha256": checked.sha256,
            },
            project=project,
        )
    return evidence


def target_attach_automated(
    *, actor: User | None, target: InspectionTarget, results: dict
) -> InspectionTarget:
    """Attach the results of an automated check to an inspected object (a later capability calls it).

    ``results`` is JSON-serialisable, e.g. ``{"source": "baseline-check", "at": "...", "checks": [...]}``;
    bounded to 256 KB. ``actor`` None: the platform's own job.
    """
    project = target.visit.contract.project
    if actor is not None:
        permissions.require(actor, "project.record", project)
    if not isinstance(results, dict):
        raise ValidationError("自动检查结果须为 JSON 对象")
    try:
        size = len(json.dumps(results, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise ValidationError("自动检查结果不是有效的 JSON") from None
    if size > MAX_AUTOMATED_BYTES:
        raise ValidationError("自动检查结果过大：上限 256 KB")
    with transaction.atomic():
        target = InspectionTarget.objects.select_for_update().get(pk=target.pk)
        target.automated_results = results
        target.save(update_fields=["automated_results"])
        audit.record(
            actor=actor,
            action="inspection.automated",
            obj=target,
            details={"visit": target.visit_id, "source": str(results.get("source", ""))[:100], "bytes": size},
            project=project,
        )
    return target


def visit_path(visit: InspectionVisit) -> str:
    return reverse(
        "engagements:inspection",
        kwargs={"project": visit.contract.project.slug, "visit_id": visit.pk},
    )


def visit_finish(*, actor: User, visit: InspectionVisit, summary: str) -> InspectionVisit:
    """Close the record with its conclusion; its service occurrence is done, with the record as proof."""
    project = visit.contract.project
    permissions.require(actor, "project.record", project)
    summary = summary.replace("\r\n", "\n").strip()[:5000]
    if not summary:
        raise ValidationError("请填写巡检结论")
    with transaction.atomic():
        visit = _open_visit(visit.pk)
        if (
            not InspectionResult.objects.filter(target__visit=visit)
            .exclude(outcome=OUTCOMES.NOT_CHECKED)
            .exists()
        ):
            raise ValidationError("尚未记录任何检查结果")
        visit.summary, visit.finished_at = summary, timezone.now()
        visit.save(update_fields=["summary", "finished_at"])
        counts = {
            o: InspectionResult.objects.filter(target__visit=visit, outcome=o).count()
            for o in OUTCOMES.values
        }
        audit.record(actor=actor, action="inspection.finish", obj=visit, details=counts, project=project)
        if visit.occurrence_id:
            year_services.occurrence_complete(
                actor=actor, occurrence=visit.occurrence, done_on=visit.visited_on, proof=visit_path(visit)
            )
    return visit
