"""Writes of problems, high-risk judgements and 重大风险隐患: authorised through the project, audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core import problems as core
from dengbao.core.catalogue import default as catalogue

from .models import Assessment, Round
from .problem_models import CaseConditions, MajorRisk, Problem, ProblemLink, Risk

EDITABLE = ("title", "description", "remediation", "risk")


@dataclass(frozen=True)
class SyncReport:
    created: int = 0
    updated: int = 0
    fixed: int = 0
    reopened: int = 0

    def __str__(self) -> str:
        return (
            f"新增 {self.created} 个，更新 {self.updated} 个，"
            f"标记已整改 {self.fixed} 个，重新打开 {self.reopened} 个"
        )


def _require(actor: User, rnd: Round) -> None:
    permissions.require(actor, "project.record", rnd.assessment.project)


def conditions_of(assessment: Assessment) -> tuple[frozenset[str], frozenset[str]]:
    """(holding, absent) case conditions for the assessment: from its systems and the assessor's settings."""
    traits = [
        core.SystemTraits(technology_types=tuple(s.technology_types), support_platform=s.is_support_platform)
        for s in assessment.systems.all()
    ]
    stored = CaseConditions.objects.filter(assessment=assessment).first()
    return core.known_conditions(
        traits,
        extensions=assessment.extensions,
        holds=stored.holds if stored else (),
        absent=stored.absent if stored else (),
    )


def case_conditions_set(
    *, actor: User, assessment: Assessment, holds: Iterable[str], absent: Iterable[str]
) -> CaseConditions:
    """Record which case conditions (业务连续性要求高, 关键行业 …) hold for the assessed systems."""
    permissions.require(actor, "project.record", assessment.project)
    names = set(core.case_condition_names(catalogue()))
    holds, absent = sorted(set(holds)), sorted(set(absent))
    unknown = (set(holds) | set(absent)) - names
    if unknown:
        raise ValidationError(f"未知的适用条件：{'、'.join(sorted(unknown))}")
    if set(holds) & set(absent):
        raise ValidationError("同一条件不能既成立又不成立")
    with transaction.atomic():
        row, _ = CaseConditions.objects.select_for_update().get_or_create(assessment=assessment)
        before = {"holds": row.holds, "absent": row.absent}
        row.holds, row.absent, row.updated_by, row.updated_at = holds, absent, actor, timezone.now()
        row.save()
        audit.record(
            actor=actor,
            action="problem.conditions",
            obj=assessment,
            before=before,
            after={"holds": holds, "absent": absent},
            project=assessment.project,
        )
    return row


def _propose_case(problem: Problem, match: core.CaseMatch | None) -> bool:
    """Put the matched case on a problem whose case nobody has decided yet; True when it changed."""
    if problem.case_status in (Problem.CaseStatus.CONFIRMED, Problem.CaseStatus.REJECTED):
        return False
    wanted = (
        (match.case.id, Problem.CaseStatus.PROPOSED, match.note)
        if match
        else ("", Problem.CaseStatus.NONE, "")
    )
    current = (problem.high_risk_case, problem.case_status, problem.case_note)
    if current == wanted:
        return False
    problem.high_risk_case, problem.case_status, problem.case_note = wanted
    return True


def _carry_over(problem: Problem, before: Problem | None) -> None:
    """A problem that is still there in a 复测 keeps what people decided about it in the round
    before: the high-risk decision with its reason, and the wording they edited."""
    if before is None:
        return
    if before.case_status in (Problem.CaseStatus.CONFIRMED, Problem.CaseStatus.REJECTED):
        problem.high_risk_case, problem.case_status = before.high_risk_case, before.case_status
        problem.case_reason = before.case_reason
        problem.case_note = "沿用上一轮的判定"
        problem.case_decided_by, problem.case_decided_at = before.case_decided_by, before.case_decided_at
        if before.case_status == Problem.CaseStatus.CONFIRMED:
            problem.risk = before.risk
    for field in ("title", "description", "remediation", "risk"):
        if field in before.edited_fields:
            setattr(problem, field, getattr(before, field))
    problem.edited_fields = [
        f for f in before.edited_fields if f in ("title", "description", "remediation", "risk")
    ]


def problems_sync(*, actor: User, rnd: Round) -> SyncReport:
    """Bring the round's problems in line with its results, keeping what people have edited.

    New shortfalls become problems — in a 复测 carrying over the round before's decisions on the
    same unit; an existing problem gets its objects refreshed and the fields nobody edited
    rewritten; a unit now 符合 on every object marks its problem fixed (never deleted); a fixed
    problem whose unit falls short again is reopened.
    """
    _require(actor, rnd)
    assessment = rnd.assessment
    cat = catalogue()
    records = list(rnd.results.select_related("obj"))
    rows = [core.Row(unit=r.unit_id, obj=r.obj.name, result=r.result, note=r.note) for r in records]
    holds, absent = conditions_of(assessment)
    proposals = core.propose(rows, cat, level=assessment.level, conditions=holds, absent=absent)
    resolved = core.resolved_units(rows)
    objects = {r.obj.name: r.obj for r in records}
    now = timezone.now()
    created = updated = fixed = reopened = 0
    earlier = {
        p.unit_id: p
        for p in Problem.objects.filter(round__assessment=assessment, round__number=rnd.number - 1)
    }
    with transaction.atomic():
        existing = {
            p.unit_id: p
            for p in Problem.objects.select_for_update().filter(round=rnd).prefetch_related("test_objects")
        }
        for proposal in proposals:
            problem = existing.pop(proposal.unit, None)
            targets = [objects[name] for name in proposal.objects]
            if problem is None:
                problem = Problem(
                    round=rnd,
                    unit_id=proposal.unit,
                    title=proposal.title,
                    description=proposal.description,
                    remediation=proposal.remediation,
                    risk=proposal.risk,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                )
                _propose_case(problem, proposal.case)
                _carry_over(problem, earlier.get(proposal.unit))
                problem.save()
                problem.test_objects.set(targets)
                created += 1
                continue
            changed = _propose_case(problem, proposal.case)
            fresh = {
                "title": proposal.title,
                "description": proposal.description,
                "remediation": proposal.remediation,
            }
            if problem.case_status != Problem.CaseStatus.CONFIRMED:
                fresh["risk"] = proposal.risk
            for field, value in fresh.items():
                if field not in problem.edited_fields and getattr(problem, field) != value:
                    setattr(problem, field, value)
                    changed = True
            if problem.status == Problem.Status.FIXED and "status" not in problem.edited_fields:
                problem.status, problem.fixed_at = Problem.Status.OPEN, None
                changed = True
                reopened += 1
            if {o.pk for o in problem.test_objects.all()} != {o.pk for o in targets}:
                problem.test_objects.set(targets)
                changed = True
            if changed:
                problem.updated_at = now
                problem.save()
                updated += 1
        for problem in existing.values():
            if problem.unit_id in resolved and problem.status == Problem.Status.OPEN:
                problem.status, problem.fixed_at, problem.updated_at = Problem.Status.FIXED, now, now
                problem.save(update_fields=["status", "fixed_at", "updated_at"])
                fixed += 1
        carried = _carry_major_risks(rnd, actor, now)
        _close_tasks_by_retest(rnd, resolved, actor, now)
        report = SyncReport(created=created, updated=updated, fixed=fixed, reopened=reopened)
        audit.record(
            actor=actor,
            action="problem.sync",
            obj=rnd,
            details={
                "created": created,
                "updated": updated,
                "fixed": fixed,
                "reopened": reopened,
                "major_risks_carried": carried,
            },
            project=assessment.project,
        )
    return report


def _close_tasks_by_retest(rnd: Round, resolved: set[str], actor: User, now) -> int:
    """A remediation task belongs to its unit, round after round: when a 复测 finds the unit 符合
    on every object, the unit's tasks still open from earlier rounds are closed by that result
    (the task says which round closed it). Returns how many were closed."""
    from .remediation_models import RemediationTask

    if rnd.number < 2 or not resolved:
        return 0
    tasks = RemediationTask.objects.select_for_update().filter(
        problem__round__assessment=rnd.assessment,
        problem__round__number__lt=rnd.number,
        problem__unit_id__in=resolved,
    )
    closed = 0
    for task in tasks.exclude(status=RemediationTask.Status.VERIFIED):
        before = task.summary()
        task.status, task.closed_by_round = RemediationTask.Status.VERIFIED, rnd
        task.verification_note = f"{rnd.label}结果为符合，任务随之关闭"
        task.verified_by, task.verified_at, task.updated_at = actor, now, now
        task.save()
        audit.record(
            actor=actor,
            action="remediation.close_by_retest",
            obj=task,
            before=before,
            after=task.summary(),
            details={"round": rnd.number, "unit": task.problem.unit_id},
            project=rnd.assessment.project,
        )
        closed += 1
    return closed


def _carry_major_risks(rnd: Round, actor: User, now) -> int:
    """A 复测 keeps the 重大风险隐患 of the round before (the 2025 rule counts them before
    remediation): each is linked to this round's problems of the same units, and marked fixed
    once none of those units falls short any more. Returns how many were carried."""
    if rnd.number < 2:
        return 0
    before = MajorRisk.objects.filter(
        round__assessment=rnd.assessment, round__number=rnd.number - 1
    ).prefetch_related("problems")
    mine = {m.title: m for m in rnd.major_risks.all()}
    still_open = {p.unit_id: p for p in rnd.problems.exclude(status=Problem.Status.FIXED).order_by("unit_id")}
    carried = 0
    for earlier in before:
        units = {p.unit_id for p in earlier.problems.all()}
        current = mine.get(earlier.title)
        if current is None:
            current = MajorRisk.objects.create(
                round=rnd,
                title=earlier.title,
                description=earlier.description,
                fixed=earlier.fixed,
                fixed_at=earlier.fixed_at,
                created_by=earlier.created_by,
            )
            carried += 1
        current.problems.set(Problem.objects.filter(round=rnd, unit_id__in=units))
        if units and not current.fixed and not units & set(still_open):
            current.fixed, current.fixed_at = True, now
            current.save(update_fields=["fixed", "fixed_at"])
    return carried


def problem_update(
    *,
    actor: User,
    problem: Problem,
    title: str,
    description: str,
    remediation: str,
    risk: str,
) -> Problem:
    """A person's edit; the fields changed are remembered so syncing never overwrites them."""
    _require(actor, problem.round)
    if risk not in Risk.values:
        raise ValidationError(f"未知的风险等级“{risk}”")
    title = title.strip()
    if not title:
        raise ValidationError("问题不能为空")
    values = {  # a browser sends a textarea's line breaks as CRLF: untouched text must compare equal
        "title": title[:200],
        "description": description.replace("\r\n", "\n").strip(),
        "remediation": remediation.replace("\r\n", "\n").strip(),
        "risk": risk,
    }
    before = problem.summary()
    changed = [f for f, v in values.items() if getattr(problem, f) != v]
    if not changed:
        return problem
    with transaction.atomic():
        for field in changed:
            setattr(problem, field, values[field])
        problem.edited_fields = sorted(set(problem.edited_fields) | set(changed))
        problem.updated_at = timezone.now()
        problem.save()
        audit.record(
            actor=actor,
            action="problem.update",
            obj=problem,
            before=before,
            after=problem.summary(),
            project=problem.round.assessment.project,
        )
    return problem


def _decide(
    *, actor: User, problem: Problem, status: str, reason: str, case_id: str | None, action: str
) -> Problem:
    _require(actor, problem.round)
    reason = reason.strip()
    if not reason:
        raise ValidationError("请填写判定理由")
    case_id = (case_id or problem.high_risk_case).strip()
    case = next((c for c in catalogue().high_risk if c.id == case_id), None)
    if case is None:
        raise ValidationError(f"未知的高风险判例“{case_id}”" if case_id else "该问题没有可判定的高风险判例")
    before = problem.summary()
    with transaction.atomic():
        problem.high_risk_case, problem.case_status, problem.case_reason = case.id, status, reason
        problem.case_decided_by, problem.case_decided_at = actor, timezone.now()
        if status == Problem.CaseStatus.CONFIRMED:
            problem.risk = Risk.HIGH
        problem.updated_at = timezone.now()
        problem.save()
        audit.record(
            actor=actor,
            action=action,
            obj=problem,
            before=before,
            after=problem.summary(),
            project=problem.round.assessment.project,
        )
    return problem


def case_confirm(*, actor: User, problem: Problem, reason: str, case_id: str | None = None) -> Problem:
    """The case applies: the problem is 高风险. ``case_id`` lets the assessor name another case."""
    return _decide(
        actor=actor,
        problem=problem,
        status=Problem.CaseStatus.CONFIRMED,
        reason=reason,
        case_id=case_id,
        action="problem.case_confirm",
    )


def case_reject(*, actor: User, problem: Problem, reason: str) -> Problem:
    """The case does not apply (mitigated, condition not met …): the risk stays, the reason is kept."""
    return _decide(
        actor=actor,
        problem=problem,
        status=Problem.CaseStatus.REJECTED,
        reason=reason,
        case_id=None,
        action="problem.case_reject",
    )


def problem_set_status(*, actor: User, problem: Problem, status: str) -> Problem:
    """Mark a problem fixed, open again, or accepted; a person's choice that syncing respects."""
    _require(actor, problem.round)
    if status not in Problem.Status.values:
        raise ValidationError(f"未知的整改状态“{status}”")
    if status == problem.status:
        return problem
    before = problem.summary()
    with transaction.atomic():
        problem.status = status
        problem.fixed_at = timezone.now() if status == Problem.Status.FIXED else None
        problem.edited_fields = sorted(set(problem.edited_fields) | {"status"})
        problem.updated_at = timezone.now()
        problem.save()
        audit.record(
            actor=actor,
            action="problem.status",
            obj=problem,
            before=before,
            after=problem.summary(),
            project=problem.round.assessment.project,
        )
    return problem


def problem_set_fixed(*, actor: User, problem: Problem, fixed: bool = True) -> Problem:
    return problem_set_status(
        actor=actor, problem=problem, status=Problem.Status.FIXED if fixed else Problem.Status.OPEN
    )


def problem_link_add(*, actor: User, problem: Problem, kind: str, ref: str, note: str = "") -> ProblemLink:
    """Link evidence from elsewhere (a scanner finding: kind "finding", ref its id) to a problem."""
    _require(actor, problem.round)
    if kind not in ProblemLink.Kind.values:
        raise ValidationError(f"未知的关联类型“{kind}”")
    ref = ref.strip()
    if not ref:
        raise ValidationError("请填写关联对象")
    with transaction.atomic():
        link, created = ProblemLink.objects.get_or_create(
            problem=problem, kind=kind, ref=ref[:200], defaults={"note": note[:200], "created_by": actor}
        )
        if created:
            audit.record(
                actor=actor,
                action="problem.link_add",
                obj=problem,
                details={"kind": kind, "ref": link.ref},
                project=problem.round.assessment.project,
            )
    return link


def major_risk_create(
    *, actor: User, rnd: Round, title: str, problems: Sequence[Problem], description: str = ""
) -> MajorRisk:
    """Mark one 高风险 problem, or a combination of problems, as a 重大风险隐患."""
    _require(actor, rnd)
    title = title.strip()
    if not title:
        raise ValidationError("请填写重大风险隐患的名称")
    problems = list({p.pk: p for p in problems}.values())
    if not problems:
        raise ValidationError("请至少选择一个安全问题")
    if any(p.round_id != rnd.pk for p in problems):
        raise ValidationError("所选问题不属于本轮测评")
    if len(problems) == 1 and problems[0].risk != Risk.HIGH:
        raise ValidationError("单个问题构成重大风险隐患时须为高风险问题；否则请选择多个问题组合判定")
    with transaction.atomic():
        risk = MajorRisk.objects.create(
            round=rnd, title=title[:200], description=description.strip(), created_by=actor
        )
        risk.problems.set(problems)
        audit.record(
            actor=actor,
            action="problem.major_risk_create",
            obj=risk,
            after={"title": risk.title, "problems": sorted(p.unit_id for p in problems)},
            project=rnd.assessment.project,
        )
    return risk


def major_risk_set_fixed(*, actor: User, major_risk: MajorRisk, fixed: bool) -> MajorRisk:
    """Remediated or not; the count before remediation stays, the fixed ones are annotated."""
    _require(actor, major_risk.round)
    if major_risk.fixed == fixed:
        return major_risk
    with transaction.atomic():
        major_risk.fixed = fixed
        major_risk.fixed_at = timezone.now() if fixed else None
        major_risk.save(update_fields=["fixed", "fixed_at"])
        audit.record(
            actor=actor,
            action="problem.major_risk_fixed",
            obj=major_risk,
            after={"fixed": fixed},
            project=major_risk.round.assessment.project,
        )
    return major_risk


def major_risk_delete(*, actor: User, major_risk: MajorRisk) -> None:
    _require(actor, major_risk.round)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="problem.major_risk_delete",
            obj=major_risk,
            before={"title": major_risk.title, "fixed": major_risk.fixed},
            project=major_risk.round.assessment.project,
        )
        major_risk.delete()


def major_risk_counts(rnd: Round) -> tuple[int, int]:
    """(before remediation, of which fixed) for the round's 重大风险隐患."""
    risks = list(rnd.major_risks.values_list("fixed", flat=True))
    return len(risks), sum(risks)


def major_risk_count_text(rnd: Round) -> str:
    """ "10（5个已整改）", as the 2025 report's cover and conclusion show it."""
    return core.count_text(*major_risk_counts(rnd))
