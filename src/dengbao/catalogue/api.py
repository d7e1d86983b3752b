from __future__ import annotations

from dataclasses import asdict

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from dengbao.core.catalogue import query

from . import selectors

router = Router(tags=["catalogue"])


class ItemOut(Schema):
    id: str
    level: int
    part: str
    category: str
    control_point: str
    attribute: str
    letter: str
    requirement: str
    objects: list[str]
    methods: list[str]
    steps: list[str]
    verdict: str
    high_risk_cases: list[str] = []


class ItemFilter(Schema):
    level: int | None = None
    part: str | None = None
    category: str | None = None
    control_point: str | None = None
    object_type: str | None = None
    q: str | None = None
    sa: str | None = None
    ext: list[str] = []


def _out(cat, item) -> ItemOut:
    return ItemOut(**asdict(item) | {"high_risk_cases": [c.id for c in query.high_risk_for(cat, item.id)]})


@router.get("/catalogue/stats", summary="要求目录统计")
def catalogue_stats(request: HttpRequest):
    return query.stats(selectors.catalogue(actor=request.user))


@router.get(
    "/catalogue/items", response=list[ItemOut], summary="要求项（可按级别、部分、安全类、S/A 组合筛选）"
)
def item_list(request: HttpRequest, filters: Query[ItemFilter]):
    cat = selectors.catalogue(actor=request.user)
    if filters.sa:
        try:
            items = query.for_grade(cat, filters.sa, extensions=filters.ext)
        except ValueError as exc:
            from ninja.errors import HttpError

            raise HttpError(422, str(exc)) from None
    else:
        items = query.select(
            cat,
            level=filters.level,
            part=filters.part,
            category=filters.category,
            control_point=filters.control_point,
            object_type=filters.object_type,
            text=filters.q,
        )
    return [_out(cat, item) for item in items]


@router.get("/catalogue/items/{unit_id}", response=ItemOut, summary="一个测评单元")
def item_detail(request: HttpRequest, unit_id: str):
    cat = selectors.catalogue(actor=request.user)
    item = cat.by_id.get(unit_id.upper())
    if item is None:
        raise Http404
    return _out(cat, item)
