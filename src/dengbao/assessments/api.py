"""The workbench over REST: assessments and their score, results (read, and written in batches), problems."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dengbao.accounts import selectors as account_selectors
from dengbao.api_support import (
    ErrorOut,
    ObjectId,
    Paging,
    body_doc,
    error_response,
    page,
    read_body,
    user_errors,
)
from dengbao.core.scoring import ScoringError

from . import api_selectors, problem_selectors, selectors, services

router = Router(tags=["assessments"])
router.add_decorator(user_errors)

MAX_BATCH = 5000


class RoundOut(Schema):
    number: int
    label: str
    started_at: dt.datetime
    finalised_at: dt.datetime | None


class AssessmentSummaryOut(Schema):
    id: int
    name: str
    sa: str
    level: int
    scheme: str
    systems: list[str]
    round: RoundOut | None = Field(
        description="服务方：当前轮；被测单位：最近一轮已定稿的轮次（首轮定稿前为 null，也不给出任何数字）"
    )
    progress: int = Field(description="已记录的百分比")
    recorded: int
    total: int
    compliance_rate: float | None = Field(description="符合率（%）；尚无记录时为 null")
    weighted_score: float | None
    conclusion: str | None
    open_problems: dict[str, int] = Field(description="未整改问题数，按风险等级（高/中/低）")


class ObjectOut(Schema):
    id: int
    kind: str
    name: str
    model_version: str
    location: str
    importance: str
    recorded: int
    total: int


class AssessmentOut(Schema):
    id: int
    name: str
    sa: str
    level: int
    extensions: list[str]
    scheme: str
    systems: list[str]
    current_round: int
    rounds: list[RoundOut]
    objects: list[ObjectOut]


class RoundScoreOut(Schema):
    round: RoundOut
    score: dict | None
    reason: str = Field(description="score 为 null 时的原因")


class ResultOut(Schema):
    id: int
    object_id: int
    object: str
    unit_id: str
    control_point: str
    requirement: str
    result: str
    note: str
    methods: list[str]
    na_reason: str
    version: int
    review: str
    recorded_by: str | None
    recorded_at: dt.datetime | None
    evidence: int


class ResultPage(Schema):
    round: int
    count: int
    items: list[ResultOut]


class ResultFilter(Paging):
    object_id: int | None = None


class ChangeIn(Schema):
    record_id: ObjectId
    version: int = Field(description="读取时的版本号；已被他人修改则整批拒绝（409）")
    result: str = Field("", description="符合 / 部分符合 / 不符合 / 不适用；空为未记录")
    note: str = Field("", max_length=5000)
    methods: list[str] = Field([], description="访谈 / 核查 / 测试")
    na_reason: str = Field("", max_length=2000)


class ResultsIn(Schema):
    changes: list[ChangeIn] = Field(min_length=1, max_length=MAX_BATCH)
    source: str = Field("API", max_length=100, description="来源说明，记入审计日志")


class SavedOut(Schema):
    record_id: int
    version: int


class AppliedOut(Schema):
    applied: int
    records: list[SavedOut]


class StaleOut(Schema):
    record_id: int
    object: str | None
    unit_id: str | None
    sent_version: int
    version: int | None = Field(description="当前版本；记录不属于本轮时为 null")
    result: str | None
    recorded_by: str | None


class ConflictOut(ErrorOut):
    records: list[StaleOut]


class ProblemFilter(Schema):
    risk: str = Field("", description="高 / 中 / 低")
    status: str = Field("", description="open / fixed / accepted")
    category: str = ""
    q: str = ""


class ProblemOut(Schema):
    id: int
    unit_id: str
    category: str
    control_point: str
    title: str
    description: str
    remediation: str
    risk: str
    status: str
    objects: list[str]
    high_risk_case: str
    case_status: str
    case: str


class ProblemList(Schema):
    round: int
    count: int
    items: list[ProblemOut]


def _name(user) -> str | None:
    return user.display_name if user is not None else None


def _round(rnd) -> RoundOut:
    return RoundOut(
        number=rnd.number, label=rnd.label, started_at=rnd.started_at, finalised_at=rnd.finalised_at
    )


def _stale(change: dict, record) -> dict:
    """A change the batch was refused for, beside the record as it is now (None: not in this round)."""
    return StaleOut(
        record_id=change["record_id"],
        object=record.obj.name if record else None,
        unit_id=record.unit_id if record else None,
        sent_version=change["version"],
        version=record.version if record else None,
        result=record.result if record else None,
        recorded_by=_name(record.recorded_by) if record else None,
    ).model_dump()


def _open(request: HttpRequest, project: str, assessment_id: int, action: str = "project.view"):
    obj = account_selectors.project_get(actor=request.user, slug=project, action=action)
    return selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)


@router.get(
    "/projects/{project}/assessments", response=list[AssessmentSummaryOut], summary="项目的等级测评及符合率"
)
def assessment_list(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    out = []
    for row in selectors.project_summaries(actor=request.user, project=obj):
        assessment, score = row["assessment"], row["score"]
        out.append(
            AssessmentSummaryOut(
                id=assessment.pk,
                name=assessment.name,
                sa=assessment.sa,
                level=assessment.level,
                scheme=assessment.scheme,
                systems=[s.code or s.name for s in assessment.systems.all()],
                round=_round(row["round"]) if row["round"] else None,
                progress=row["progress"],
                recorded=row["recorded"],
                total=row["total"],
                compliance_rate=score.compliance_rate if score else None,
                weighted_score=score.weighted_score if score else None,
                conclusion=score.conclusion if score else None,
                open_problems=row["risks"],
            )
        )
    return out


@router.get(
    "/projects/{project}/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="一个等级测评：轮次与测评对象（含当前轮进度）",
)
def assessment_detail(request: HttpRequest, project: str, assessment_id: int):
    assessment = _open(request, project, assessment_id, "project.view_internal")
    rnd = services.current_round(assessment)
    objects = selectors.object_progress(actor=request.user, assessment=assessment, rnd=rnd)
    return AssessmentOut(
        id=assessment.pk,
        name=assessment.name,
        sa=assessment.sa,
        level=assessment.level,
        extensions=assessment.extensions,
        scheme=assessment.scheme,
        systems=[s.code or s.name for s in assessment.systems.all()],
        current_round=rnd.number,
        rounds=[_round(r) for r in selectors.rounds(actor=request.user, assessment=assessment)],
        objects=[
            ObjectOut(
                id=o.pk,
                kind=o.kind,
                name=o.name,
                model_version=o.model_version,
                location=o.location,
                importance=o.importance,
                recorded=o.done,
                total=o.total,
            )
            for o in objects
        ],
    )


@router.get(
    "/projects/{project}/assessments/{assessment_id}/rounds/{number}/score",
    response=RoundScoreOut,
    summary="一轮的得分与结论（score 为 core.scoring 的 Score.as_dict；尚无记录时为 null 并说明原因）",
)
def round_score(request: HttpRequest, project: str, assessment_id: int, number: int):
    assessment = _open(request, project, assessment_id)
    rnd = selectors.round_get(actor=request.user, assessment=assessment, number=number)
    try:
        score = selectors.round_score(actor=request.user, rnd=rnd)
    except ScoringError as exc:
        return RoundScoreOut(round=_round(rnd), score=None, reason=f"本轮尚不能计分：{exc}")
    return RoundScoreOut(round=_round(rnd), score=score.as_dict(), reason="")


@router.get(
    "/projects/{project}/assessments/{assessment_id}/results",
    response=ResultPage,
    summary="当前轮的测评结果（object_id：一个测评对象的结果），分页",
)
def result_list(request: HttpRequest, project: str, assessment_id: int, filters: Query[ResultFilter]):
    assessment = _open(request, project, assessment_id, "project.view_internal")
    rnd = services.current_round(assessment)
    target = None
    if filters.object_id is not None:
        target = selectors.object_get(actor=request.user, assessment=assessment, object_id=filters.object_id)
    rows = api_selectors.round_results(actor=request.user, rnd=rnd, obj=target)
    count, shown = page(rows, filters)
    return ResultPage(
        round=rnd.number,
        count=count,
        items=[
            ResultOut(
                id=r.pk,
                object_id=r.obj_id,
                object=r.obj.name,
                unit_id=r.unit_id,
                control_point=item.control_point if item else "",
                requirement=item.requirement if item else "",
                result=r.result,
                note=r.note,
                methods=r.methods,
                na_reason=r.na_reason,
                version=r.version,
                review=r.review,
                recorded_by=_name(r.recorded_by),
                recorded_at=r.recorded_at,
                evidence=len(r.evidence.all()),
            )
            for r, item in shown
        ],
    )


@router.post(
    "/projects/{project}/assessments/{assessment_id}/results",
    response={200: AppliedOut, 400: ErrorOut, 409: ConflictOut},
    summary="批量记录当前轮的测评结果（全部成功或全部不变，按版本号防止覆盖他人修改）",
    openapi_extra=body_doc(ResultsIn),
)
def result_apply(request: HttpRequest, project: str, assessment_id: int):
    assessment = _open(request, project, assessment_id, "project.record")
    rnd = services.current_round(assessment)
    body = read_body(request, ResultsIn)
    changes = [c.model_dump() for c in body.changes]
    ids = [c["record_id"] for c in changes]
    try:
        applied = services.results_apply(
            actor=request.user, rnd=rnd, changes=changes, source=f"API：{body.source}"
        )
    except services.ConflictError as exc:
        now = api_selectors.records_by_id(actor=request.user, rnd=rnd, ids=ids)
        stale = [
            _stale(c, now.get(c["record_id"]))
            for c in changes
            if c["record_id"] not in now or now[c["record_id"]].version != c["version"]
        ]
        messages = [str(m) for m in exc.messages]
        detail = "以下结果已被他人修改或不属于本轮，本批未保存：" + "；".join(messages)
        return error_response(409, detail, messages, records=stale)
    now = api_selectors.records_by_id(actor=request.user, rnd=rnd, ids=ids)
    return AppliedOut(
        applied=applied,
        records=[SavedOut(record_id=pk, version=now[pk].version) for pk in dict.fromkeys(ids)],
    )


@router.get(
    "/projects/{project}/assessments/{assessment_id}/problems",
    response=ProblemList,
    summary="当前轮的安全问题（差距分析问题列表），可按风险等级筛选",
)
def problem_list(request: HttpRequest, project: str, assessment_id: int, filters: Query[ProblemFilter]):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
    rnd = problem_selectors.problem_round(actor=request.user, assessment=assessment)
    entries = problem_selectors.gap_list(
        actor=request.user,
        project=obj,
        assessment=assessment,
        filters=problem_selectors.GapFilters.from_query(filters.model_dump()),
    )
    return ProblemList(
        round=rnd.number,
        count=len(entries),
        items=[
            ProblemOut(
                id=e.problem.pk,
                unit_id=e.problem.unit_id,
                category=e.category_name,
                control_point=e.item.control_point if e.item else "",
                title=e.problem.title,
                description=e.problem.description,
                remediation=e.problem.remediation,
                risk=e.problem.risk,
                status=e.problem.status,
                objects=[o.name for o in e.objects],
                high_risk_case=e.problem.high_risk_case,
                case_status=e.problem.case_status,
                case=e.case_text,
            )
            for e in entries
        ],
    )
