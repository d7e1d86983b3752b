from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from dengbao.accounts import selectors as account_selectors

from . import selectors

router = Router(tags=["systems"])


class SystemOut(Schema):
    id: int
    name: str
    code: str
    proposed_level: int | None
    description: str


@router.get("/projects/{project}/systems", response=list[SystemOut], summary="项目的定级对象")
def system_list(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    return list(selectors.system_list(actor=request.user, project=obj))
