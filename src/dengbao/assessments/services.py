"""Writes of the workbench. Every one is authorised through the project and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao import uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.catalogue import default as catalogue
from dengbao.core.catalogue import query
from dengbao.core.catalogue.vocab import OBJECT_TYPES
from dengbao.core.scoring_schemes import scheme_date_problem
from dengbao.errors import Conflict

from . import evidence_ocr
from .models import Assessment, AssessmentObject, Evidence, Result, ResultRecord, Round

TECH_TO_EXTENSION = {"cloud": "cloud", "mobile": "mobile", "iot": "iot", "ics": "ics"}


class ConflictError(Conflict):
    """Someone else saved the same result first; the newer value is kept and shown."""


def grade_of(systems: Iterable) -> tuple[str, list[str]]:
    """S/A and extensions for systems assessed together: the highest S and A, every extension used."""
    s = a = 0
    extensions: set[str] = set()
    for system in systems:
        grading = system.current_grading
        if grading is None or not grading.business_level:
            raise ValidationError(f"{system.name} 尚未定级，请先完成定级")
        s, a = max(s, grading.business_level), max(a, grading.service_level)
        extensions |= {TECH_TO_EXTENSION[t] for t in system.technology_types if t in TECH_TO_EXTENSION}
    if not s:
        raise ValidationError("请至少选择一个定级对象")
    return f"S{s}A{a}", sorted(extensions)  # level 5 keeps its grade; its items are level 4's


def applicable_units(assessment: Assessment, kind: str, systems: Iterable | None = None) -> list[str]:
    """The test units that apply to an object of this type (S/A/G rule + extensions).

    An object serving several systems gets the units of each system's own grade (a machine room
    shared by an S3A3 and an S3A2 system is assessed against the level-3 and the level-2 A items),
    so every system's report finds the items of its grade. Without ``systems``: the assessment's.
    """
    grades = {(s, tuple(e)) for s, e in (grade_of([system]) for system in systems or ())}
    grades = grades or {(assessment.sa, tuple(assessment.extensions))}
    units: dict[str, None] = {}
    for sa, extensions in sorted(grades, reverse=True):
        for item in query.for_grade(catalogue(), sa, extensions=extensions):
            if kind in item.objects:
                units.setdefault(item.id)
    return list(units)


def assessment_create(
    *,
    actor: User,
    project: Project,
    name: str,
    systems: list,
    scheme: str = "2025",
    report_date: dt.date | None = None,
    scheme_reason: str = "",
) -> Assessment:
    permissions.require(actor, "project.edit", project)
    for system in systems:
        if not system.projects.filter(pk=project.pk).exists():
            raise ValidationError(f"{system.name} 不属于本项目")
    problem = scheme_date_problem(scheme, report_date or timezone.localdate(), scheme_reason)
    if problem:
        raise ValidationError(problem)
    sa, extensions = grade_of(systems)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            project=project,
            name=name,
            sa=sa,
            extensions=extensions,
            scheme=scheme,
            report_date=report_date,
            scheme_reason=scheme_reason.strip(),
        )
        assessment.systems.set(systems)
        Round.objects.create(assessment=assessment, number=1)
        audit.record(
            actor=actor,
            action="assessment.create",
            obj=assessment,
            after={
                "name": name,
                "sa": sa,
                "extensions": extensions,
                "systems": [s.name for s in systems],
                "scheme": scheme,
                "report_date": report_date.isoformat() if report_date else "",
                "scheme_reason": scheme_reason.strip(),
            },
            project=project,
        )
    return assessment


def current_round(assessment: Assessment) -> Round:
    return assessment.rounds.order_by("-number").first()


def object_add(
    *,
    actor: User,
    assessment: Assessment,
    kind: str,
    name: str,
    model_version: str = "",
    location: str = "",
    importance: str = AssessmentObject.Importance.NORMAL,
    note: str = "",
    systems: Iterable | None = None,
) -> AssessmentObject:
    """Add an object; it gets exactly the test units that apply to its type, in the open round.

    ``systems``: the 定级对象 it serves (none: shared by every system of the assessment).
    """
    project = assessment.project
    permissions.require(actor, "project.record", project)
    if kind not in OBJECT_TYPES:
        raise ValidationError(f"未知的对象类型“{kind}”")
    if assessment.test_objects.filter(name=name).exists():
        raise ValidationError(f"已有名为“{name}”的测评对象")
    served = list(systems or ())
    assessed = set(assessment.systems.values_list("pk", flat=True))
    strangers = [s.name for s in served if s.pk not in assessed]
    if strangers:
        raise ValidationError(f"{'、'.join(strangers)} 不在本测评的定级对象中")
    units = applicable_units(assessment, kind, served or assessment.systems.all())
    with transaction.atomic():
        obj = AssessmentObject.objects.create(
            assessment=assessment,
            kind=kind,
            name=name,
            model_version=model_version,
            location=location,
            importance=importance,
            note=note,
        )
        if served:
            obj.systems.set(served)
        rnd = current_round(assessment)
        ResultRecord.objects.bulk_create(ResultRecord(round=rnd, obj=obj, unit_id=unit) for unit in units)
        audit.record(
            actor=actor,
            action="assessment.object_add",
            obj=obj,
            after={
                "name": name,
                "kind": kind,
                "units": len(units),
                "systems": [s.name for s in served] or "shared",
            },
            project=project,
        )
    return obj


def result_record(
    *,
    actor: User,
    record: ResultRecord,
    value: str,
    note: str,
    methods: list[str],
    na_reason: str = "",
    version: int,
) -> ResultRecord:
    """Save one result with an optimistic version check: a stale version is refused, never overwritten."""
    project = record.round.assessment.project
    permissions.require(actor, "project.record", project)
    if record.round.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再修改")
    if value and value not in Result.values:
        raise ValidationError(f"未知的结果“{value}”")
    if value == Result.NOT_APPLICABLE and not na_reason.strip():
        raise ValidationError("选择“不适用”时须填写理由")
    bad_methods = set(methods) - {"访谈", "核查", "测试"}
    if bad_methods:
        raise ValidationError(f"未知的测评方法：{'、'.join(sorted(bad_methods))}")
    before = record.summary()
    now = timezone.now()
    with transaction.atomic():
        updated = ResultRecord.objects.filter(pk=record.pk, version=version).update(
            result=value,
            note=note,
            methods=methods,
            na_reason=na_reason.strip() if value == Result.NOT_APPLICABLE else "",
            recorded_by=actor,
            recorded_at=now,
            version=F("version") + 1,
            review=ResultRecord.Review.PENDING,
        )
        if not updated:
            latest = ResultRecord.objects.select_related("recorded_by").get(pk=record.pk)
            who = latest.recorded_by or "他人"
            raise ConflictError(
                f"该结果已被 {who} 于 {timezone.localtime(latest.recorded_at):%H:%M:%S} 修改为"
                f"“{latest.result or '未记录'}”，请刷新后再保存"
            )
        record.refresh_from_db()
        audit.record(
            actor=actor,
            action="result.update",
            obj=record,
            before=before,
            after=record.summary(),
            project=project,
        )
    return record


def evidence_add(*, actor: User, record: ResultRecord, upload: UploadedFile) -> Evidence:
    project = record.round.assessment.project
    permissions.require(actor, "project.record", project)
    received = uploads.receive(upload, default_name="evidence")  # bounded by the bytes read
    with transaction.atomic():
        evidence = Evidence(
            record=record,
            filename=received.name,
            content_type=received.content_type,
            size=received.size,
            sha256=received.sha256,
            sm3=received.sm3,
            uploaded_by=actor,
        )
        evidence.file.save(received.name, upload, save=False)
        evidence.save()
        evidence_ocr.schedule(evidence)  # screenshots: their text is read in the background
        audit.record(
            actor=actor,
            action="result.evidence_add",
            obj=record,
            details={"file": evidence.filename, "sha256": evidence.sha256},
            project=project,
        )
    return evidence


def results_apply(
    *,
    actor: User,
    rnd: Round,
    changes: list[dict],
    source: str,
) -> int:
    """Apply many results at once (an Excel import, the demo) in one transaction, all or nothing.

    Each change names ``record_id`` and the ``version`` it was based on, with ``result``,
    ``note``, ``methods`` and ``na_reason``. A record changed meanwhile (version moved on)
    makes the whole batch fail with every conflict listed — nothing is overwritten.
    """
    project = rnd.assessment.project
    permissions.require(actor, "project.record", project)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再修改")
    problems: list[str] = []
    for n, change in enumerate(changes, start=1):
        value = change.get("result", "")
        if value and value not in Result.values:
            problems.append(f"第 {n} 条：未知的结果“{value}”")
        if value == Result.NOT_APPLICABLE and not change.get("na_reason", "").strip():
            problems.append(f"第 {n} 条：选择“不适用”时须填写理由")
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    with transaction.atomic():
        records = {
            r.pk: r
            for r in ResultRecord.objects.select_for_update(of=("self",))
            .filter(round=rnd, pk__in=[c["record_id"] for c in changes])
            .select_related("obj", "recorded_by")
        }
        conflicts = []
        for change in changes:
            record = records.get(change["record_id"])
            if record is None:
                conflicts.append(f"结果 {change['record_id']} 不属于本轮测评")
            elif record.version != change["version"]:
                conflicts.append(
                    f"{record.obj.name} · {record.unit_id}：导出后已被 {record.recorded_by or '他人'} 改为"
                    f"“{record.result or '未记录'}”"
                )
        if conflicts:
            raise ConflictError(conflicts)
        for change in changes:
            record = records[change["record_id"]]
            record.result = change.get("result", "")
            record.note = change.get("note", "")
            record.methods = list(change.get("methods", []))
            record.na_reason = (
                change.get("na_reason", "").strip() if record.result == Result.NOT_APPLICABLE else ""
            )
            record.recorded_by = actor
            record.recorded_at = now
            record.version += 1
            record.review = ResultRecord.Review.PENDING
        ResultRecord.objects.bulk_update(
            records.values(),
            ["result", "note", "methods", "na_reason", "recorded_by", "recorded_at", "version", "review"],
            batch_size=500,
        )
        audit.record(
            actor=actor,
            action="result.bulk_update",
            obj=rnd,
            details={"source": source[:200], "count": len(changes)},
            project=project,
        )
    return len(changes)


def result_review(*, actor: User, record: ResultRecord, decision: str, comment: str = "") -> ResultRecord:
    """The reviewer (审核员) accepts a recorded result or returns it with a comment."""
    project = record.round.assessment.project
    permissions.require(actor, "project.review", project)
    if decision not in (ResultRecord.Review.REVIEWED, ResultRecord.Review.RETURNED):
        raise ValidationError(f"未知的审核结论“{decision}”")
    if not record.result:
        raise ValidationError("该项尚未记录，不能审核")
    if decision == ResultRecord.Review.RETURNED and not comment.strip():
        raise ValidationError("退回时须填写审核意见")
    with transaction.atomic():
        before = {"review": record.review}
        record.review = decision
        record.review_comment = comment.strip()
        record.reviewed_by = actor
        record.save(update_fields=["review", "review_comment", "reviewed_by"])
        audit.record(
            actor=actor,
            action="result.review",
            obj=record,
            before=before,
            after={"review": decision, "comment": record.review_comment[:200]},
            project=project,
        )
    return record


def round_blockers(rnd: Round) -> list[str]:
    """Why a round cannot be finalised yet (empty: it can)."""
    unrecorded = rnd.results.filter(result="").count()
    returned = rnd.results.filter(review=ResultRecord.Review.RETURNED).count()
    out = []
    if unrecorded:
        out.append(_("尚有 %(n)d 项未记录") % {"n": unrecorded})
    if returned:
        out.append(_("尚有 %(n)d 项被审核员退回，未重新记录") % {"n": returned})
    # A final report never leaves a high-risk case open: each suggestion is confirmed or rejected
    # with the reason (2025 高风险判定实施指引; the report's conclusion counts the confirmed ones).
    undecided = rnd.problems.filter(case_status="proposed").count()
    if undecided:
        out.append(
            _("尚有 %(n)d 个问题的高风险判例待确认（逐一确认或判定不构成，并写明理由）") % {"n": undecided}
        )
    unverified = [s.name for s in unverified_systems(rnd)]
    if unverified:
        out.append(
            _("%(systems)s 未导入漏洞扫描或渗透测试结果，也未记录不开展的理由")
            % {"systems": "、".join(unverified)}
        )
    return out


def verified_system_ids(project: Project) -> set[int]:
    """Systems of the project with a vulnerability scan or a penetration test imported.

    Read through the app registry: the scanning app depends on this one, not the other way round.
    """
    from django.apps import apps

    ids: set[int] = set()
    for model in ("Import", "PenTest"):
        ids |= set(
            apps.get_model("scanning", model)
            .objects.filter(project=project, system__isnull=False)
            .values_list("system_id", flat=True)
        )
    return ids


def unverified_systems(rnd: Round) -> list:
    """The round's systems with neither a scan or pen-test imported nor a recorded waiver."""
    assessment = rnd.assessment
    verified = verified_system_ids(assessment.project)
    waived = set(rnd.waivers.values_list("system_id", flat=True))
    return [s for s in assessment.systems.order_by("code", "name") if s.pk not in verified | waived]


def verification_waive(*, actor: User, rnd: Round, system, reason: str):
    """Record why ``system`` has no vulnerability scan or penetration test in this round (audited);
    the report prints the reason. Recording again replaces the reason."""
    from .waiver_models import VerificationWaiver

    project = rnd.assessment.project
    permissions.require(actor, "project.edit", project)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再修改")
    if not rnd.assessment.systems.filter(pk=system.pk).exists():
        raise ValidationError(f"{system.name} 不在本测评的定级对象中")
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError("请写明不开展漏洞扫描或渗透测试的理由")
    with transaction.atomic():
        existing = VerificationWaiver.objects.select_for_update().filter(round=rnd, system=system).first()
        before = {"reason": existing.reason} if existing else None
        waiver, _created = VerificationWaiver.objects.update_or_create(
            round=rnd,
            system=system,
            defaults={"reason": reason[:2000], "recorded_by": actor, "recorded_at": timezone.now()},
        )
        audit.record(
            actor=actor,
            action="round.verification_waive",
            obj=rnd,
            before=before,
            after={"system": system.name, "reason": reason[:200]},
            project=project,
        )
    return waiver


def round_finalise(*, actor: User, rnd: Round) -> Round:
    project = rnd.assessment.project
    permissions.require(actor, "project.edit", project)
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=rnd.pk)
        if rnd.finalised_at is not None:
            raise ValidationError("本轮已定稿")
        blockers = round_blockers(rnd)
        if blockers:
            raise ValidationError(["不能定稿：" + "；".join(blockers)])
        rnd.finalised_at = timezone.now()
        rnd.save(update_fields=["finalised_at"])
        audit.record(actor=actor, action="round.finalise", obj=rnd, project=project)
    return rnd


def retest_start(*, actor: User, assessment: Assessment) -> Round:
    """Open a 复测 round, pre-filled from the last finalised round (results, notes, methods)."""
    project = assessment.project
    permissions.require(actor, "project.edit", project)
    with transaction.atomic():
        last = assessment.rounds.select_for_update().order_by("-number").first()
        if last.finalised_at is None:
            raise ValidationError(f"{last.label}尚未定稿，不能开始复测")
        new = Round.objects.create(assessment=assessment, number=last.number + 1)
        ResultRecord.objects.bulk_create(
            ResultRecord(
                round=new,
                obj_id=r.obj_id,
                unit_id=r.unit_id,
                result=r.result,
                note=r.note,
                methods=r.methods,
                na_reason=r.na_reason,
                recorded_by_id=r.recorded_by_id,
                recorded_at=r.recorded_at,
            )
            for r in last.results.all()
        )
        audit.record(
            actor=actor,
            action="round.retest_start",
            obj=new,
            details={"from_round": last.number},
            project=project,
        )
    return new


def results_copy(
    *, actor: User, rnd: Round, source: AssessmentObject, target: AssessmentObject, only_empty: bool = True
) -> int:
    """Copy results of a similar object (same type) onto ``target``; by default only its unrecorded items."""
    if source.assessment_id != target.assessment_id or source.pk == target.pk:
        raise ValidationError("只能从同一测评中的另一个对象复制")
    if source.kind != target.kind:
        raise ValidationError(
            f"只能从同类对象复制：{source.name} 是{source.kind}，{target.name} 是{target.kind}"
        )
    theirs = {r.unit_id: r for r in rnd.results.filter(obj=source).exclude(result="")}
    changes = [
        {
            "record_id": mine.pk,
            "version": mine.version,
            "result": theirs[mine.unit_id].result,
            "note": theirs[mine.unit_id].note,
            "methods": theirs[mine.unit_id].methods,
            "na_reason": theirs[mine.unit_id].na_reason,
        }
        for mine in rnd.results.filter(obj=target)
        if mine.unit_id in theirs and (not only_empty or not mine.result)
    ]
    if not changes:
        return 0
    return results_apply(actor=actor, rnd=rnd, changes=changes, source=f"copy from {source.name}")


OBJECT_COLUMNS = {
    "kind": ("对象类型", "类型", "kind"),
    "name": ("名称", "对象名称", "测评对象", "name"),
    "model_version": ("型号/版本", "型号", "版本", "model"),
    "location": ("IP/位置", "IP", "位置", "location"),
    "importance": ("重要程度", "importance"),
    "note": ("说明", "备注", "note"),
}
IMPORTANCE_BY_LABEL = {label: value for value, label in AssessmentObject.Importance.choices} | {
    v: v for v in AssessmentObject.Importance.values
}


def objects_import(*, actor: User, assessment: Assessment, rows: Iterable[list[object]]) -> int:
    """Add many objects from a table (header first); every problem listed by row, nothing half-added."""
    permissions.require(actor, "project.record", assessment.project)
    iterator = iter(rows)
    header = [str(h or "").strip() for h in next(iterator, [])]
    columns = {
        field: header.index(name)
        for field, names in OBJECT_COLUMNS.items()
        for name in names
        if name in header
    }
    if "kind" not in columns or "name" not in columns:
        raise ValidationError(["第 1 行：需要“对象类型”和“名称”两列"])
    existing = set(assessment.test_objects.values_list("name", flat=True))
    problems, wanted, seen = [], [], {}
    for number, row in enumerate(iterator, start=2):
        cells = {
            f: str(row[i]).strip() if i < len(row) and row[i] is not None else "" for f, i in columns.items()
        }
        if not any(cells.values()):
            continue
        if any(v.startswith("=") for v in cells.values()):
            problems.append(f"第 {number} 行：不接受公式")
            continue
        if cells["kind"] not in OBJECT_TYPES:
            problems.append(f"第 {number} 行：未知的对象类型“{cells['kind']}”")
        if not cells["name"]:
            problems.append(f"第 {number} 行：名称为空")
        elif cells["name"] in existing:
            problems.append(f"第 {number} 行：已有名为“{cells['name']}”的测评对象")
        elif cells["name"] in seen:
            problems.append(f"第 {number} 行：与第 {seen[cells['name']]} 行重名")
        seen.setdefault(cells["name"], number)
        importance = cells.get("importance") or "normal"
        if importance not in IMPORTANCE_BY_LABEL:
            problems.append(f"第 {number} 行：重要程度应为 关键、重要 或 一般")
        cells["importance"] = IMPORTANCE_BY_LABEL.get(importance, "normal")
        wanted.append(cells)
    if problems:
        raise ValidationError(problems)
    if not wanted:
        raise ValidationError(["文件中没有测评对象"])
    with transaction.atomic():
        for cells in wanted:
            object_add(actor=actor, assessment=assessment, **{k: cells.get(k, "") for k in OBJECT_COLUMNS})
    return len(wanted)


def phrase_add(*, actor: User, project: Project, unit_id: str, text: str):
    """Keep a 结果记录 as a phrase of the actor's organisation for this unit (no duplicates)."""
    from .phrase_models import Phrase

    permissions.require(actor, "project.record", project)
    text = text.strip()
    if not text:
        raise ValidationError("结果记录为空，无法保存为常用记录")
    if len(text) > 2000:
        raise ValidationError("常用记录不超过 2000 字")
    if unit_id not in catalogue().by_id:
        raise ValidationError(f"未知的测评单元 {unit_id}")
    with transaction.atomic():
        phrase, created = Phrase.objects.get_or_create(
            organisation_id=actor.organisation_id, unit_id=unit_id, text=text, defaults={"created_by": actor}
        )
        if created:
            audit.record(
                actor=actor, action="phrase.add", obj=phrase, details={"unit": unit_id}, project=project
            )
    return phrase


def adjustment_add(
    *, actor: User, rnd: Round, unit_id: str, obj: AssessmentObject | None, to: str, kind: str, reason: str
):
    """Record a 整体测评 adjustment; it is checked by the scoring core before it is kept."""
    from dengbao.core import scoring

    from .adjustment_models import ResultAdjustment

    project = rnd.assessment.project
    permissions.require(actor, "project.record", project)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再调整")
    if not rnd.results.filter(unit_id=unit_id, **({"obj": obj} if obj else {})).exclude(result="").exists():
        raise ValidationError(f"{unit_id} 在本轮没有{'该对象的' if obj else ''}已记录结果，无法调整")
    try:
        scoring.Adjustment(unit=unit_id, obj=obj.name if obj else None, to=to, kind=kind, reason=reason)
    except scoring.ScoringError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        adjustment = ResultAdjustment.objects.create(
            round=rnd, unit_id=unit_id, obj=obj, to=to, kind=kind, reason=reason.strip(), created_by=actor
        )
        audit.record(
            actor=actor,
            action="result.adjust",
            obj=rnd,
            after={
                "unit": unit_id,
                "object": obj.name if obj else "",
                "to": to,
                "kind": kind,
                "reason": reason[:200],
            },
            project=project,
        )
    return adjustment
