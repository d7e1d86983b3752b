"""Reads for accounts and projects. Every selector takes the acting user."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from . import permissions
from .models import Membership, Project, User


def project_list(*, actor: User) -> QuerySet[Project]:
    return (
        permissions.visible_projects(actor)
        .select_related("client", "provider")
        .annotate(
            member_count=Count("memberships", distinct=True), system_count=Count("systems", distinct=True)
        )
        .order_by("-created_at")
    )


def project_get(*, actor: User, slug: str, action: str = "project.view") -> Project:
    return permissions.project_for(actor, slug, action)


def project_members(*, actor: User, project: Project) -> QuerySet[Membership]:
    permissions.require(actor, "project.view", project)
    return project.memberships.select_related("user", "user__organisation").order_by("role", "user__username")
