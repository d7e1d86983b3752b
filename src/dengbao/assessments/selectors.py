"""Reads of the workbench, through the project's permission check (working papers: provider side only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    return (
        assessment.test_objects.annotate(
            total=Count("results", filter=Q(results__round=rnd)),
            done=Count("results", filter=Q(results__round=rnd) & ~Q(results__result="")),
        )
        .prefetch_related("systems")
        .order_by("kind", "name")
    )


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
    mark_rule_sources(actor=actor, records=records)
    return [(r, cat.by_id.get(r.unit_id)) for r in records]


# The layers above say which results they wrote, without this app importing them: each provider
# (``collection`` registers one in its AppConfig.ready) maps result pk → its source, an object with
# ``bundle`` (filename, platform, sha256), ``rule_ids`` and ``low_confidence``.
result_source_providers: list[Callable[..., dict[int, Any]]] = []


def mark_rule_sources(*, actor: User, records: list[ResultRecord]) -> None:
    """Set ``record.rule_source`` on each result whose stored version a collection rule wrote (its
    proposal accepted); ``None`` for a person's result."""
    for record in records:
        record.rule_source = None
    for provider in result_source_providers:
        for pk, source in provider(actor=actor, records=records).items():
            for record in records:
                if record.pk == pk:
                    record.rule_source = source


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


@dataclass(frozen=True)
class SystemScope:
    """What of a (possibly combined) assessment belongs to one 定级对象's report: the objects that
    serve it (its own and the shared ones) and the test units of its own grade."""

    system_id: int
    sa: str
    level: int
    extensions: tuple[str, ...]
    object_ids: frozenset[int]
    units: frozenset[str]

    def results(self, rnd: Round) -> QuerySet[ResultRecord]:
        return rnd.results.filter(obj_id__in=self.object_ids, unit_id__in=self.units)

    def problems(self, queryset: QuerySet) -> QuerySet:
        """Problems of its units found on at least one of its objects."""
        return queryset.filter(unit_id__in=self.units, test_objects__in=self.object_ids).distinct()

    def major_risks(self, queryset: QuerySet) -> QuerySet:
        """重大风险隐患 made of at least one of its problems."""
        return queryset.filter(
            problems__unit_id__in=self.units, problems__test_objects__in=self.object_ids
        ).distinct()


def system_scope(assessment: Assessment, system) -> SystemScope:
    """The part of ``assessment`` that is ``system``'s: objects linked to it or shared (linked to no
    system), and the items of the system's own grade (LIS graded S3A2 takes the level-2 A items)."""
    from dengbao.core.catalogue import query

    from .services import grade_of

    sa, extensions = grade_of([system])
    objects = assessment.test_objects.filter(Q(systems=system) | Q(systems=None)).distinct()
    units = {item.id for item in query.for_grade(catalogue(), sa, extensions=extensions)}
    return SystemScope(
        system_id=system.pk,
        sa=sa,
        level=max(int(sa[1]), int(sa[3])),
        extensions=tuple(extensions),
        object_ids=frozenset(objects.values_list("pk", flat=True)),
        units=frozenset(units),
    )


def round_score(*, actor: User, rnd: Round, scope: SystemScope | None = None):
    """The round's score and conclusion under the assessment's scheme, from its recorded results;
    with ``scope``, of one system's objects, items, problems and 重大风险隐患 only."""
    from dengbao.core import scoring

    _require_released(actor, rnd)
    names = dict(rnd.assessment.test_objects.values_list("pk", "name"))
    results = scope.results(rnd) if scope else rnd.results
    rows = [
        scoring.ItemResult(unit=unit, obj=names[obj_id], result=scoring.Result(result))
        for unit, obj_id, result in results.exclude(result="").values_list("unit_id", "obj_id", "result")
    ]
    problems = scope.problems(open_problems(rnd)) if scope else open_problems(rnd)
    majors = scope.major_risks(open_major_risks(rnd)) if scope else open_major_risks(rnd)
    risks = Counter(problems.values_list("risk", flat=True))
    in_scope = (
        (lambda a: a.unit_id in scope.units and (a.obj_id is None or a.obj_id in scope.object_ids))
        if scope
        else (lambda a: True)
    )
    adjustments = [
        scoring.Adjustment(
            unit=a.unit_id,
            obj=names.get(a.obj_id) if a.obj_id else None,
            to=a.to,
            kind=a.kind,
            reason=a.reason,
        )
        for a in rnd.adjustments.all()
        if in_scope(a)
    ]
    return scoring.score(
        rows,
        scheme=rnd.assessment.scheme,
        catalogue=catalogue(),
        adjustments=adjustments,
        major_risks=majors.count(),
        risk_counts=dict(risks),
        level=scope.level if scope else rnd.assessment.level,
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
