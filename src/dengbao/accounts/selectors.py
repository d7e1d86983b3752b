"""Reads for accounts and projects. Every selector takes the acting user."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from . import permissions
from .models import Membership, Organisation, Project, User


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


def user_list(*, actor: User) -> QuerySet[User]:
    permissions.require(actor, "platform.manage_users")
    return User.objects.select_related("organisation").order_by("organisation__name", "username")


def user_get(*, actor: User, user_id: int) -> User:
    permissions.require(actor, "platform.manage_users")
    return User.objects.select_related("organisation").get(pk=user_id)


def organisation_list(*, actor: User) -> QuerySet[Organisation]:
    permissions.require(actor, "platform.manage_users")
    return Organisation.objects.annotate(user_count=Count("users", distinct=True)).order_by("kind", "name")


def admin_project_list(*, actor: User) -> QuerySet[Project]:
    """All projects' metadata, for the system administrator who creates them (never their content)."""
    permissions.require(actor, "platform.manage_projects")
    return (
        Project.objects.select_related("client", "provider")
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("-created_at")
    )


def admin_project_get(*, actor: User, slug: str) -> Project:
    permissions.require(actor, "platform.manage_projects")
    return Project.objects.select_related("client", "provider").get(slug=slug)
