"""Reads for accounts and projects. Every selector takes the acting user."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from . import permissions
from .models import Membership, Organisation, Project, User


def project_list(*, actor: User) -> QuerySet[Project]:
    # Counted in subqueries: visible_projects joins memberships to the viewer, which a plain
    # Count("memberships") would then count (one row: the viewer's own).
    members = (
        Membership.objects.filter(project=OuterRef("pk"))
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    systems = (
        Project.systems.through.objects.filter(project=OuterRef("pk"))
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        permissions.visible_projects(actor)
        .select_related("client", "provider")
        .annotate(member_count=Coalesce(Subquery(members), 0), system_count=Coalesce(Subquery(systems), 0))
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
    """All projects' metadata (never their content), for the system administrator who creates them
    and the security administrator who assigns their members."""
    permissions.require(actor, "platform.list_projects")
    return (
        Project.objects.select_related("client", "provider")
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("-created_at")
    )


def admin_project_get(*, actor: User, slug: str) -> Project:
    """One project's metadata, for the security administrator's member list."""
    permissions.require(actor, "platform.assign_members")
    return Project.objects.select_related("client", "provider").get(slug=slug)
