from __future__ import annotations

from django.db.models import Count, QuerySet

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User

from .models import InformationSystem


def system_list(*, actor: User, project: Project) -> QuerySet[InformationSystem]:
    permissions.require(actor, "project.view", project)
    return project.systems.order_by("code", "name")


def level_counts(*, actor: User, project: Project) -> dict[int | None, int]:
    rows = system_list(actor=actor, project=project).values("proposed_level").annotate(n=Count("id"))
    return {row["proposed_level"]: row["n"] for row in rows}
