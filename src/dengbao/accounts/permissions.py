"""The one permission layer: every view, API endpoint, export and CLI command asks here.

Two kinds of action:

* project actions (``project.*``) are granted by the member's role in that project;
  a person who is not a member of a project learns nothing about it (404, not 403);
* platform actions are granted by the platform role. The three administrators are
  kept apart (三权分立, GB/T 22239 安全管理中心): the system administrator manages
  accounts and creates projects but grants no right; the security administrator
  grants platform roles and project membership and handles account security but
  cannot read the audit log; only the audit administrator reads it. No platform
  administrator holds a project role: ``project_role`` ignores any such membership.

Nobody is granted anything by ``is_superuser``: Django's superuser flag plays no part.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from dengbao.errors import Denied, NotFound

from .roles import PlatformRole, ProjectRole

if TYPE_CHECKING:
    from .models import Project, User

_ALL_MEMBERS = frozenset(ProjectRole)
_PROVIDER_SIDE = frozenset({ProjectRole.MANAGER, ProjectRole.ASSESSOR, ProjectRole.REVIEWER})

PROJECT_ACTIONS: dict[str, frozenset[ProjectRole]] = {
    "project.view": _ALL_MEMBERS,  # dashboard, progress, gap list, remediation tasks
    "project.view_internal": _PROVIDER_SIDE,  # working papers the client does not see
    # drafts: an unfinished round's figures and conclusion, a document neither signed nor released
    "project.view_unreleased": _PROVIDER_SIDE,
    "project.release_document": frozenset({ProjectRole.MANAGER}),  # hand a document version to the client
    "project.edit": frozenset({ProjectRole.MANAGER}),
    "project.manage_members": frozenset({ProjectRole.MANAGER}),
    "project.record": frozenset({ProjectRole.MANAGER, ProjectRole.ASSESSOR}),
    "project.review": frozenset({ProjectRole.REVIEWER}),
    "project.upload_remediation": frozenset({ProjectRole.CLIENT, ProjectRole.MANAGER}),
    "project.accept_deliverable": frozenset({ProjectRole.CLIENT}),  # the client signs for what it received
    "project.open_ticket": _ALL_MEMBERS,  # anyone on either side may report an emergency
    "project.accept_risk": frozenset({ProjectRole.CLIENT, ProjectRole.MANAGER}),  # a finding left unfixed
}

# Granted to every signed-in, active user: reference material with no client data in it.
SIGNED_IN_ACTIONS = frozenset({"catalogue.view"})

PLATFORM_ACTIONS: dict[str, frozenset[PlatformRole]] = {
    # accounts: create, edit, disable, reset the password; organisations
    "platform.manage_users": frozenset({PlatformRole.SYSADMIN}),
    "platform.manage_projects": frozenset({PlatformRole.SYSADMIN}),  # create projects (no member)
    "platform.list_projects": frozenset({PlatformRole.SYSADMIN, PlatformRole.SECADMIN}),  # metadata only
    "platform.grant_roles": frozenset({PlatformRole.SECADMIN}),  # give or take a platform role
    "platform.assign_members": frozenset({PlatformRole.SECADMIN}),  # who is what in any project
    "platform.security": frozenset({PlatformRole.SECADMIN}),  # unlock, reset 2FA, see and revoke tokens
    "audit.read": frozenset({PlatformRole.AUDITADMIN}),
    "catalogue.manage_wording": frozenset({PlatformRole.SYSADMIN}),  # import an agency's own wording
    "documents.manage_templates": frozenset({PlatformRole.SYSADMIN}),  # replace a shipped document template
}


def project_role(user: User, project: Project) -> ProjectRole | None:
    """The user's role in the project, or None. Cached on the user object per request.

    A platform administrator has none, even if a membership row says otherwise
    (left from before the rule, or written around the services)."""
    if not user.is_authenticated or not user.is_active or user.platform_role:
        return None
    cache: dict[int, ProjectRole | None] = user.__dict__.setdefault("_dengbao_roles", {})
    if project.pk not in cache:
        role = project.memberships.filter(user=user).values_list("role", flat=True).first()
        cache[project.pk] = ProjectRole(role) if role else None
    return cache[project.pk]


def can(user: User, action: str, project: Project | None = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if action in PROJECT_ACTIONS:
        if project is None:
            raise ValueError(f"{action} needs a project")
        role = project_role(user, project)
        return role is not None and role in PROJECT_ACTIONS[action]
    if action in PLATFORM_ACTIONS:
        return user.platform_role in PLATFORM_ACTIONS[action]
    if action in SIGNED_IN_ACTIONS:
        return True
    raise ValueError(f"unknown action {action!r}")


def require(user: User, action: str, project: Project | None = None) -> None:
    """Raise PermissionDenied (and audit the denial) unless ``user`` may do ``action``."""
    if can(user, action, project):
        return
    _deny(user, action, project)


def visible_projects(user: User) -> QuerySet[Project]:
    """The projects whose existence the user may know of: those they are a member of."""
    from .models import Project

    if not user.is_authenticated or not user.is_active or user.platform_role:
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user).distinct()


def project_for(user: User, slug: str, action: str = "project.view") -> Project:
    """Fetch a project by slug for ``action``.

    Not a member: 404, so that a foreign project's existence is not revealed.
    A member without the right: 403.
    """
    from .models import Project

    project = Project.objects.filter(slug=slug).select_related("client", "provider").first()
    if project is None or project_role(user, project) is None:
        if project is not None:
            _audit_denial(user, action, project)
        raise NotFound("project")
    require(user, action, project)
    return project


def sees_unreleased(user: User, project: Project) -> bool:
    """Whether the user sees drafts: the provider side does, the client contact does not."""
    return can(user, "project.view_unreleased", project)


def released_documents(user: User, project: Project, documents: QuerySet) -> QuerySet:
    """The document versions the user may see and open: every one for the provider side; for the
    client only those signed (签发) or released by the manager — a draft stays with the provider."""
    from django.db.models import Q

    require(user, "project.view", project)
    if sees_unreleased(user, project):
        return documents
    return documents.filter(Q(locked_at__isnull=False) | Q(released_at__isnull=False))


def released_rounds(user: User, project: Project, rounds: QuerySet) -> QuerySet:
    """The assessment rounds whose figures and conclusion the user may see: every round for the
    provider side, only finalised (定稿) rounds for the client — an unfinished round is a draft."""
    require(user, "project.view", project)
    if sees_unreleased(user, project):
        return rounds
    return rounds.filter(finalised_at__isnull=False)


def require_released_round(user: User, project: Project, finalised: bool) -> None:
    """404 for a client asking for an unfinished round's figures (as if the round were not there yet)."""
    require(user, "project.view", project)
    if not finalised and not sees_unreleased(user, project):
        _audit_denial(user, "project.view_unreleased", project)
        raise NotFound("round")  # not released: as if not there yet


def roles_needing_two_factor(user: User) -> Iterable[str]:
    from .roles import TWO_FACTOR_PLATFORM_ROLES, TWO_FACTOR_PROJECT_ROLES

    if user.platform_role in TWO_FACTOR_PLATFORM_ROLES:
        yield user.platform_role
    roles = set(user.memberships.values_list("role", flat=True))
    yield from sorted(r for r in roles if r in TWO_FACTOR_PROJECT_ROLES)


def _audit_denial(user: User, action: str, project: Project | None) -> None:
    from dengbao.audit import services as audit

    audit.record(
        actor=user if user.is_authenticated else None,
        action="permission.denied",
        obj=project,
        outcome="denied",
        details={"wanted": action},
    )


def _deny(user: User, action: str, project: Project | None) -> None:
    _audit_denial(user, action, project)
    raise Denied(action)
