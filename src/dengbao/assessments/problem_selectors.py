"""Reads of problems and the gap list (差距分析问题列表), through the project's permission check.

The gap list is what the client sees too (``project.view``); the working papers behind it
(results, evidence) stay provider-side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.http import Http404

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core import problems as core
from dengbao.core.catalogue import HighRiskCase, Item
from dengbao.core.catalogue import default as catalogue
from dengbao.core.catalogue.vocab import CATEGORY_BY_CODE, CATEGORY_ORDER, PARTS

from .models import Assessment, AssessmentObject, Round
from .problem_models import RISK_ORDER, MajorRisk, Problem
from .problem_services import conditions_of, major_risk_counts

SORTS = ("unit", "category", "control_point", "title", "objects", "risk", "case", "status", "assessment")
CASE_FILTERS = ("any", *Problem.CaseStatus.values)


@dataclass(frozen=True)
class GapFilters:
    risk: str = ""
    category: str = ""
    object_id: int | None = None
    assessment_id: int | None = None
    status: str = ""
    case: str = ""  # any / none / proposed / confirmed / rejected
    q: str = ""
    sort: str = "unit"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> GapFilters:
        """Unknown values are ignored rather than refused: a stale bookmark still shows a list."""

        def number(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isdigit() else None

        sort = params.get("sort", "unit")
        return cls(
            risk=params.get("risk", "") if params.get("risk") in RISK_ORDER else "",
            category=params.get("category", "") if params.get("category") in CATEGORY_BY_CODE else "",
            object_id=number("object"),
            assessment_id=number("assessment"),
            status=params.get("status", "") if params.get("status") in Problem.Status.values else "",
            case=params.get("case", "") if params.get("case") in CASE_FILTERS else "",
            q=params.get("q", "").strip()[:100],
            sort=sort if sort.lstrip("-") in SORTS else "unit",
        )


@dataclass
class GapEntry:
    problem: Problem
    assessment: Assessment
    item: Item | None
    case: HighRiskCase | None
    objects: list[AssessmentObject] = field(default_factory=list)

    @property
    def category_name(self) -> str:
        code = self.problem.category
        name = CATEGORY_BY_CODE[code].name if code in CATEGORY_BY_CODE else code
        if self.item is not None and self.item.part != "general":
            name = f"{name}（{PARTS[self.item.part][1].removesuffix('安全扩展要求')}扩展）"
        return name

    @property
    def objects_text(self) -> str:
        return "、".join(o.name for o in self.objects)

    @property
    def item_text(self) -> str:
        if self.item is None:
            return self.problem.unit_id
        return f"{self.problem.unit_id} {self.item.letter}）{self.item.requirement}"

    @property
    def case_text(self) -> str:
        """The case as the client's list shows it: confirmed in full, proposed as pending."""
        p = self.problem
        if not p.high_risk_case or p.case_status == Problem.CaseStatus.NONE:
            return ""
        title = self.case.title if self.case else ""
        label = f"{p.high_risk_case} {title}".strip()
        if p.case_status == Problem.CaseStatus.CONFIRMED:
            return label
        if p.case_status == Problem.CaseStatus.PROPOSED:
            return f"{label}（待确认）"
        return f"{label}（不构成高风险：{p.case_reason}）"

    def gap_row(self) -> core.GapRow:
        p = self.problem
        return core.GapRow(
            category=self.category_name,
            control_point=self.item.control_point if self.item else "",
            item=self.item_text,
            objects=self.objects_text,
            description=p.description or p.title,
            risk=p.risk,
            case=self.case_text,
            remediation=p.remediation,
            status=p.get_status_display(),
            scope=self.assessment.name,
        )


def shown_round(*, actor: User, assessment: Assessment) -> Round | None:
    """The round whose problems the actor sees: the current one for the provider, the latest
    finalised one for the client (None before the first is finalised: its problems are drafts)."""
    released = permissions.released_rounds(actor, assessment.project, assessment.rounds.all())
    return released.order_by("-number").first()


def problem_round(*, actor: User, assessment: Assessment) -> Round:
    rnd = shown_round(actor=actor, assessment=assessment)
    if rnd is None:
        raise Http404("no finalised round yet")
    return rnd


def case_by_id(case_id: str) -> HighRiskCase | None:
    return next((c for c in catalogue().high_risk if c.id == case_id), None)


def _sort_key(sort: str, order: Mapping[str, int]):
    def key(e: GapEntry):
        p = e.problem
        unit = order.get(p.unit_id, 1 << 30)
        keys = {
            "unit": (unit,),
            "category": (CATEGORY_ORDER.get(p.category, 99), unit),
            "control_point": (e.item.control_point if e.item else "", unit),
            "title": (p.title, unit),
            "objects": (e.objects_text, unit),
            "risk": (RISK_ORDER.get(p.risk, 9), unit),
            "case": (p.high_risk_case == "", p.high_risk_case, unit),
            "status": (p.status, unit),
            "assessment": (e.assessment.name, unit),
        }
        return keys[sort]

    return key


def _text_match(q: str, cat) -> Q:
    """A problem matches by its unit ID (``L3-ABS1-02``), its unit's control point or requirement in
    the catalogue, or its own title, description and 整改建议."""
    needle = q.casefold()
    units = [
        item.id
        for item in cat.items
        if needle in item.control_point.casefold() or needle in item.requirement.casefold()
    ]
    return (
        Q(unit_id__icontains=q)
        | Q(unit_id__in=units)
        | Q(title__icontains=q)
        | Q(description__icontains=q)
        | Q(remediation__icontains=q)
    )


def gap_list(
    *, actor: User, project: Project, assessment: Assessment | None, filters: GapFilters
) -> list[GapEntry]:
    """Problems of the current round — of one assessment, or of every assessment in the project."""
    permissions.require(actor, "project.view", project)
    assessments = [assessment] if assessment is not None else list(project.assessments.order_by("name"))
    if filters.assessment_id is not None:
        assessments = [a for a in assessments if a.pk == filters.assessment_id]
    shown = ((shown_round(actor=actor, assessment=a), a) for a in assessments)
    rounds = {rnd.pk: a for rnd, a in shown if rnd is not None}
    qs = Problem.objects.filter(round_id__in=list(rounds)).prefetch_related(
        Prefetch("test_objects", queryset=AssessmentObject.objects.order_by("kind", "name"))
    )
    if filters.risk:
        qs = qs.filter(risk=filters.risk)
    if filters.category:
        qs = qs.filter(unit_id__contains=f"-{filters.category}")  # "L3-CES1-01"
    if filters.object_id is not None:
        qs = qs.filter(test_objects__pk=filters.object_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.case == "any":
        qs = qs.exclude(case_status=Problem.CaseStatus.NONE)
    elif filters.case:
        qs = qs.filter(case_status=filters.case)
    cat = catalogue()
    if filters.q:
        qs = qs.filter(_text_match(filters.q, cat))
    cases = {c.id: c for c in cat.high_risk}
    entries = [
        GapEntry(
            problem=p,
            assessment=rounds[p.round_id],
            item=cat.by_id.get(p.unit_id),
            case=cases.get(p.high_risk_case),
            objects=list(p.test_objects.all()),
        )
        for p in qs.distinct()
    ]
    order = {item.id: n for n, item in enumerate(cat.items)}
    name = filters.sort.lstrip("-")
    entries.sort(key=_sort_key(name, order), reverse=filters.sort.startswith("-"))
    return entries


def problem_get(*, actor: User, assessment: Assessment, problem_id: int) -> Problem:
    """A problem of the assessment (of a round the actor may see); a problem elsewhere is 404, never 403."""
    rounds = permissions.released_rounds(actor, assessment.project, assessment.rounds.all())
    problem = (
        Problem.objects.filter(pk=problem_id, round__assessment=assessment, round__in=rounds)
        .select_related("round__assessment__project", "case_decided_by")
        .prefetch_related("test_objects", "links", "major_risks")
        .first()
    )
    if problem is None:
        raise Http404("problem not found")
    return problem


def case_matches(*, actor: User, problem: Problem) -> list[core.CaseMatch]:
    """Every case that could judge the problem's unit at this level, with conditions still to confirm."""
    assessment = problem.round.assessment
    permissions.require(actor, "project.view", assessment.project)
    holds, absent = conditions_of(assessment)
    return core.match_cases(catalogue(), problem.unit_id, assessment.level, holds, absent=absent)


def major_risks(*, actor: User, rnd: Round) -> list[MajorRisk]:
    permissions.require(actor, "project.view", rnd.assessment.project)
    return list(rnd.major_risks.prefetch_related("problems"))


def major_risk_get(*, actor: User, rnd: Round, major_risk_id: int) -> MajorRisk:
    permissions.require(actor, "project.view", rnd.assessment.project)
    risk = rnd.major_risks.filter(pk=major_risk_id).first()
    if risk is None:
        raise Http404("major risk not found")
    return risk


def major_risk_summary(*, actor: User, rnd: Round) -> str:
    """重大风险隐患数量 for the report: "10（5个已整改）"."""
    permissions.require(actor, "project.view", rnd.assessment.project)
    return core.count_text(*major_risk_counts(rnd))


def conditions(*, actor: User, assessment: Assessment) -> list[tuple[str, str]]:
    """Each case condition with its state for this assessment: "holds", "absent" or "" (unknown)."""
    permissions.require(actor, "project.view", assessment.project)
    holds, absent = conditions_of(assessment)
    return [
        (name, "holds" if name in holds else "absent" if name in absent else "")
        for name in core.case_condition_names(catalogue())
    ]
