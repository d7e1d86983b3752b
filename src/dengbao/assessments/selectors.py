"""Reads of the workbench, through the project's permission check (working papers: provider side only)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.catalogue import default as catalogue

from .models import Assessment, AssessmentObject, ResultRecord, Round


def assessment_list(*, actor: User, project: Project) -> QuerySet[Assessment]:
    permissions.require(actor, "project.view", project)
    return project.assessments.prefetch_related("systems").order_by("name")


def assessment_get(
    *, actor: User, project: Project, assessment_id: int, action: str = "project.view"
) -> Assessment:
    permissions.require(actor, action, project)
    assessment = project.assessments.filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("assessment not found")
    return assessment


def object_progress(*, actor: User, assessment: Assessment, rnd: Round) -> QuerySet[AssessmentObject]:
    permissions.require(actor, "project.view_internal", assessment.project)
    return assessment.test_objects.annotate(
        total=Count("results", filter=Q(results__round=rnd)),
        done=Count("results", filter=Q(results__round=rnd) & ~Q(results__result="")),
    ).order_by("kind", "name")


def object_get(*, actor: User, assessment: Assessment, object_id: int) -> AssessmentObject:
    permissions.require(actor, "project.view_internal", assessment.project)
    obj = assessment.test_objects.filter(pk=object_id).first()
    if obj is None:
        raise Http404("object not found")
    return obj


def checklist(*, actor: User, rnd: Round, obj: AssessmentObject) -> list[tuple[ResultRecord, object]]:
    """The object's results in catalogue order, each with its catalogue item."""
    permissions.require(actor, "project.view_internal", rnd.assessment.project)
    cat = catalogue()
    order = {item.id: n for n, item in enumerate(cat.items)}
    records = list(rnd.results.filter(obj=obj).select_related("recorded_by").prefetch_related("evidence"))
    records.sort(key=lambda r: order.get(r.unit_id, 1 << 30))
    return [(r, cat.by_id.get(r.unit_id)) for r in records]


def record_get(*, actor: User, rnd: Round, record_id: int) -> ResultRecord:
    permissions.require(actor, "project.view_internal", rnd.assessment.project)
    record = rnd.results.filter(pk=record_id).select_related("round__assessment__project", "obj").first()
    if record is None:
        raise Http404("result not found")
    return record


def round_counts(*, actor: User, rnd: Round) -> Counter:
    _require_released(actor, rnd)
    return Counter(dict(rnd.results.values_list("result").annotate(n=Count("id")).values_list("result", "n")))


def _require_released(actor: User, rnd: Round) -> None:
    """An unfinished round's figures are the provider's draft: 404 for the client."""
    permissions.require_released_round(actor, rnd.assessment.project, rnd.finalised_at is not None)


def rounds(*, actor: User, assessment: Assessment) -> QuerySet[Round]:
    """The rounds the actor may see: every one for the provider, the finalised ones for the client."""
    return permissions.released_rounds(actor, assessment.project, assessment.rounds.order_by("number"))


def round_get(*, actor: User, assessment: Assessment, number: int) -> Round:
    rnd = rounds(actor=actor, assessment=assessment).filter(number=number).first()
    if rnd is None:
        raise Http404("round not found")
    return rnd


def review_counts(*, actor: User, rnd: Round) -> dict[str, int]:
    permissions.require(actor, "project.view_internal", rnd.assessment.project)
    rows = (
        rnd.results.exclude(result="")
        .values_list("review")
        .annotate(n=Count("id"))
        .values_list("review", "n")
    )
    return dict(rows)


def round_diff(*, actor: User, before: Round, after: Round) -> list[tuple[str, str, str, str]]:
    """(object, unit, result before, result after) for every cell whose result changed between two rounds."""
    permissions.require(actor, "project.view_internal", after.assessment.project)
    old = {(r.obj_id, r.unit_id): r.result for r in before.results.only("obj_id", "unit_id", "result")}
    names = dict(after.assessment.test_objects.values_list("pk", "name"))
    changed = [
        (names.get(r.obj_id, "?"), r.unit_id, old.get((r.obj_id, r.unit_id), ""), r.result)
        for r in after.results.only("obj_id", "unit_id", "result")
        if old.get((r.obj_id, r.unit_id), "") != r.result
    ]
    return sorted(changed)


def round_score(*, actor: User, rnd: Round):
    """The round's score and conclusion under the assessment's scheme, from its recorded results."""
    from dengbao.core import scoring

    _require_released(actor, rnd)
    names = dict(rnd.assessment.test_objects.values_list("pk", "name"))
    rows = [
        scoring.ItemResult(unit=unit, obj=names[obj_id], result=scoring.Result(result))
        for unit, obj_id, result in rnd.results.exclude(result="").values_list("unit_id", "obj_id", "result")
    ]
    risks = Counter(open_problems(rnd).values_list("risk", flat=True))
    adjustments = [
        scoring.Adjustment(
            unit=a.unit_id,
            obj=names.get(a.obj_id) if a.obj_id else None,
            to=a.to,
            kind=a.kind,
            reason=a.reason,
        )
        for a in rnd.adjustments.all()
    ]
    return scoring.score(
        rows,
        scheme=rnd.assessment.scheme,
        catalogue=catalogue(),
        adjustments=adjustments,
        major_risks=open_major_risks(rnd).count(),
        risk_counts=dict(risks),
        level=rnd.assessment.level,
    )


def _fixed_by_then(rnd: Round) -> Q:
    """Fixed before the round was finalised: a finalised round keeps the figures it was finalised
    with, whatever remediation marks fixed later (the 复测 reports the remediation)."""
    fixed = Q(fixed_at__isnull=True) | Q(fixed_at__lte=rnd.finalised_at) if rnd.finalised_at else Q()
    return fixed


def open_problems(rnd: Round):
    """The round's problems not fixed (by finalisation, for a finalised round)."""
    return rnd.problems.exclude(Q(status="fixed") & _fixed_by_then(rnd))


def open_major_risks(rnd: Round):
    """The round's 重大风险隐患 not fixed (by finalisation, for a finalised round)."""
    return rnd.major_risks.exclude(Q(fixed=True) & _fixed_by_then(rnd))


def project_summaries(*, actor: User, project: Project) -> list[dict]:
    """Per assessment: current round, progress, 符合率 and conclusion, open problems by risk.

    The client contact gets the latest *finalised* round's figures, or none before the first is."""
    from dengbao.core.scoring import ScoringError

    out = []
    for assessment in assessment_list(actor=actor, project=project):
        # the current round for the provider; the latest finalised one for the client (None: none yet)
        rnd = rounds(actor=actor, assessment=assessment).order_by("-number").first()
        if rnd is None:
            out.append(_unreleased_summary(assessment))
            continue
        counts = round_counts(actor=actor, rnd=rnd)
        total = sum(counts.values())
        recorded = total - counts.get("", 0)
        try:
            score = round_score(actor=actor, rnd=rnd)
        except ScoringError:
            score = None
        risks = Counter(rnd.problems.exclude(status="fixed").values_list("risk", flat=True))
        out.append(
            {
                "assessment": assessment,
                "round": rnd,
                "progress": round(recorded / total * 100) if total else 0,
                "recorded": recorded,
                "total": total,
                "score": score,
                "risks": {level: risks.get(level, 0) for level in ("高", "中", "低")},
            }
        )
    return out


def _unreleased_summary(assessment: Assessment) -> dict:
    """What the client learns of an assessment before its first round is finalised: that it exists."""
    return {
        "assessment": assessment,
        "round": None,
        "progress": 0,
        "recorded": 0,
        "total": 0,
        "score": None,
        "risks": {level: 0 for level in ("高", "中", "低")},
    }


def phrases_by_unit(*, actor: User, project: Project, units: list[str]) -> dict[str, list[str]]:
    """The actor's organisation's phrases for these units, in one query."""
    from .phrase_models import Phrase

    permissions.require(actor, "project.view_internal", project)
    out: dict[str, list[str]] = {}
    for unit, text in Phrase.objects.filter(
        organisation_id=actor.organisation_id, unit_id__in=units
    ).values_list("unit_id", "text"):
        out.setdefault(unit, []).append(text)
    return out


def category_progress(*, actor: User, rnd: Round) -> list[tuple[str, int, int]]:
    """(安全类, recorded, total) for the round, in the standard's category order."""
    from dengbao.core.catalogue.vocab import CATEGORIES

    permissions.require(actor, "project.view_internal", rnd.assessment.project)
    by_id = catalogue().by_id
    done: Counter = Counter()
    total: Counter = Counter()
    for unit, result in rnd.results.values_list("unit_id", "result"):
        item = by_id.get(unit)
        code = item.category if item else unit[3:6]
        total[code] += 1
        done[code] += bool(result)
    return [(c.name, done[c.code], total[c.code]) for c in CATEGORIES if total[c.code]]
