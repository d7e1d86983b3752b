from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from . import permissions, selectors

router = Router(tags=["projects"])


class MeOut(Schema):
    username: str
    display_name: str
    organisation: str | None
    platform_role: str


class ProjectOut(Schema):
    slug: str
    name: str
    client: str
    provider: str
    start_date: dt.date | None
    role: str | None


class MemberOut(Schema):
    username: str
    display_name: str
    organisation: str | None
    role: str


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest):
    user = request.user
    return MeOut(
        username=user.get_username(),
        display_name=user.display_name,
        organisation=user.organisation.name if user.organisation_id else None,
        platform_role=user.platform_role,
    )


def _project_out(request: HttpRequest, project) -> ProjectOut:
    return ProjectOut(
        slug=project.slug,
        name=project.name,
        client=project.client.name,
        provider=project.provider.name,
        start_date=project.start_date,
        role=permissions.project_role(request.user, project),
    )


@router.get("/projects", response=list[ProjectOut], summary="我参与的项目")
def project_list(request: HttpRequest):
    return [_project_out(request, p) for p in selectors.project_list(actor=request.user)]


@router.get("/projects/{project}", response=ProjectOut, summary="项目详情")
def project_detail(request: HttpRequest, project: str):
    return _project_out(request, selectors.project_get(actor=request.user, slug=project))


@router.get("/projects/{project}/members", response=list[MemberOut], summary="项目成员")
def project_members(request: HttpRequest, project: str):
    obj = selectors.project_get(actor=request.user, slug=project)
    return [
        MemberOut(
            username=m.user.get_username(),
            display_name=m.user.display_name,
            organisation=m.user.organisation.name if m.user.organisation_id else None,
            role=m.role,
        )
        for m in selectors.project_members(actor=request.user, project=obj)
    ]
