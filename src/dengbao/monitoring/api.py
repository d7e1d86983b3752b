from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from dengbao.accounts import selectors as account_selectors

from . import selectors

router = Router(tags=["monitoring"])


class MonitorOut(Schema):
    id: int
    name: str
    url: str
    zone: str
    enabled: bool
    state: str
    checked_at: dt.datetime | None
    status_code: int | None
    response_ms: float | None
    failed: list[str]
    heightened: bool


class MonitorPage(Schema):
    count: int
    items: list[MonitorOut]


class Paging(Schema):
    limit: int = 100
    offset: int = 0
    state: str = ""


@router.get("/projects/{project}/monitors", response=MonitorPage, summary="项目的监测对象与最新状态")
def monitor_list(request: HttpRequest, project: str, paging: Query[Paging]):
    """Paginated (``limit`` up to 1000); the latest state comes from one row per monitor, not the history.

    The rows are plain values already in the shape of :class:`MonitorPage`, so they are rendered
    directly: validating a thousand items through the schema cost more than the rest of the request.
    """
    obj = account_selectors.project_get(actor=request.user, slug=project)
    rows = selectors.monitor_list(actor=request.user, project=obj, state=paging.state)
    limit = max(1, min(paging.limit, 1000))
    offset = max(0, paging.offset)
    items = [
        {
            "id": r["pk"],
            "name": r["name"],
            "url": r["url"],
            "zone": r["zone"],
            "enabled": r["enabled"],
            "state": r["status__state"] or "unknown",
            "checked_at": r["status__checked_at"],
            "status_code": r["status__status_code"],
            "response_ms": r["status__response_ms"],
            "failed": r["status__failed"] or [],
            "heightened": bool(r["status__heightened"]),
        }
        for r in rows[offset : offset + limit]
    ]
    body = json.dumps({"count": rows.count(), "items": items}, cls=NinjaJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
