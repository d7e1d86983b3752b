from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

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
    """Paginated (``limit`` up to 1000); the latest state comes from one row per monitor, not the history."""
    obj = account_selectors.project_get(actor=request.user, slug=project)
    rows = selectors.monitor_list(actor=request.user, project=obj)
    if paging.state:
        rows = rows.filter(status__state=paging.state)
    limit = max(1, min(paging.limit, 1000))
    offset = max(0, paging.offset)
    items = []
    for m in rows[offset : offset + limit]:
        s = getattr(m, "status", None)
        items.append(
            {
                "id": m.pk,
                "name": m.name,
                "url": m.url,
                "zone": m.zone,
                "enabled": m.enabled,
                "state": s.state if s else "unknown",
                "checked_at": s.checked_at if s else None,
                "status_code": s.status_code if s else None,
                "response_ms": s.response_ms if s else None,
                "failed": s.failed if s else [],
                "heightened": s.heightened if s else False,
            }
        )
    return {"count": rows.count(), "items": items}
