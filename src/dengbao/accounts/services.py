"""Writes for organisations, users, projects, platform roles and membership. Each one is audited."""

from __future__ import annotations

import secrets
import string
from typing import NoReturn

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dengbao.audit import services as audit

from . import permissions
from .models import Membership, Organisation, Project, User
from .roles import OrganisationKind, PlatformRole, ProjectRole
from .sessions import access_revoke


def generate_password(length: int = 16) -> str:
    """A random password that satisfies the policy (all four classes)."""
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_=+"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in pw)
            and any(c.isupper() for c in pw)
            and any(c.isdigit() for c in pw)
            and any(not c.isalnum() for c in pw)
        ):
            return pw


def organisation_create(
    *, actor: User | None, name: str, kind: OrganisationKind, **fields: str
) -> Organisation:
    if actor is not None:
        permissions.require(actor, "platform.manage_users")
    with transaction.atomic():
        org = Organisation.objects.create(name=name, kind=kind, **fields)
        audit.record(actor=actor, action="organisation.create", obj=org, after={"name": name, "kind": kind})
    return org


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    organisation: Organisation | None,
    display_name: str = "",
    platform_role: PlatformRole | str = "",
    email: str = "",
) -> User:
    """Create a user; the password must satisfy the policy. ``actor`` None means the CLI/installer.

    On the web nobody creates an administrator in one step: the system administrator creates
    the account, the security administrator grants the role (``platform_role_set``).
    """
    if actor is not None:
        permissions.require(actor, "platform.manage_users")
        if platform_role:
            permissions.require(actor, "platform.grant_roles")
    user = User(
        username=username,
        display_name=display_name,
        organisation=organisation,
        platform_role=PlatformRole(platform_role),
        email=email,
    )
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit.record(
            actor=actor,
            action="user.create",
            obj=user,
            after={
                "username": username,
                "organisation": str(organisation or ""),
                "platform_role": platform_role,
            },
        )
    return user


def project_create(
    *, actor: User | None, slug: str, name: str, client: Organisation, provider: Organisation, **fields
) -> Project:
    if actor is not None:
        permissions.require(actor, "platform.manage_projects")
    if client.kind != OrganisationKind.CLIENT or provider.kind != OrganisationKind.PROVIDER:
        raise ValidationError(_("项目的被测单位须为“被测单位”类型，服务机构须为“测评机构/安全服务商”类型。"))
    with transaction.atomic():
        project = Project.objects.create(slug=slug, name=name, client=client, provider=provider, **fields)
        audit.record(actor=actor, action="project.create", obj=project, after={"slug": slug, "name": name})
    return project


def _refuse(*, actor: User | None, action: str, obj, reason: str, message: str) -> NoReturn:
    """Record a refused change (outside any transaction that would roll the record back) and raise."""
    audit.record(actor=actor, action=action, obj=obj, outcome="denied", details={"reason": reason})
    raise ValidationError(message)


def _platform_role_locked(user: User) -> str:
    """The user's platform role as stored, the row locked until the transaction ends: a grant of a
    platform role and a grant of a project role to one person are thereby taken one after the other."""
    return User.objects.select_for_update().filter(pk=user.pk).values_list("platform_role", flat=True).get()


def _may_assign_members(actor: User | None, project: Project) -> None:
    """The security administrator assigns members of any project; a manager those of their own."""
    if actor is not None and not permissions.can(actor, "platform.assign_members"):
        permissions.require(actor, "project.manage_members", project)


def membership_set(*, actor: User | None, project: Project, user: User, role: ProjectRole) -> Membership:
    """Add a member or change their role. Client contacts come from the client, the rest from the provider.

    A platform administrator never holds a project role (三权分立), whoever asks.
    """
    _may_assign_members(actor, project)
    role = ProjectRole(role)
    with transaction.atomic():
        held = _platform_role_locked(user)
        if not held:
            _check_member_organisation(project, user, role)
            membership = Membership.objects.filter(project=project, user=user).first()
            before = {"role": membership.role} if membership else None
            if membership is None:
                membership = Membership.objects.create(project=project, user=user, role=role)
            elif membership.role != role:
                membership.role = role
                membership.save(update_fields=["role"])
            audit.record(
                actor=actor,
                action="project.member_set",
                obj=project,
                before=before,
                after={"user": user.get_username(), "role": role},
            )
    if held:
        _refuse(
            actor=actor,
            action="project.member_set",
            obj=project,
            reason="platform_administrator",
            message=_("%(user)s 是%(admin)s。平台管理员不能担任项目角色（三权分立）。")
            % {"user": user, "admin": PlatformRole(held).label},
        )
    user.__dict__.pop("_dengbao_roles", None)
    return membership


def _check_member_organisation(project: Project, user: User, role: ProjectRole) -> None:
    expected_org = project.client_id if role == ProjectRole.CLIENT else project.provider_id
    if user.organisation_id != expected_org:
        raise ValidationError(
            _("%(user)s 不属于%(org)s，不能担任%(role)s。")
            % {
                "user": user,
                "org": project.client if role == ProjectRole.CLIENT else project.provider,
                "role": role.label,
            }
        )


def user_update(
    *,
    actor: User,
    user: User,
    display_name: str,
    organisation: Organisation | None,
    is_active: bool,
    email: str = "",
) -> User:
    """The system administrator edits an account. Disabling it ends its sessions and revokes its tokens.

    The platform role is not here: only the security administrator grants it (``platform_role_set``).
    """
    permissions.require(actor, "platform.manage_users")
    if user.pk == actor.pk and not is_active:
        raise ValidationError(_("不能停用自己的账户。"))
    fields = ("display_name", "organisation", "is_active", "email")
    before = {f: str(getattr(user, f) or "") for f in fields}
    disabled = user.is_active and not is_active
    user.display_name, user.organisation, user.is_active, user.email = (
        display_name,
        organisation,
        is_active,
        email,
    )
    with transaction.atomic():
        user.save(update_fields=list(fields))
        audit.record(
            actor=actor,
            action="user.update",
            obj=user,
            before=before,
            after={f: str(getattr(user, f) or "") for f in fields},
        )
        if disabled:
            access_revoke(actor=actor, user=user, reason="deactivated")
    return user


def user_language_set(*, actor: User, language: str) -> None:
    """A signed-in user's interface language, kept with the account (it follows them to another browser)."""
    from django.conf import settings

    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("不支持的语言"))
    if actor.language == language:
        return
    before = actor.language
    with transaction.atomic():
        actor.language = language
        actor.save(update_fields=["language"])
        audit.record(
            actor=actor,
            action="user.language",
            obj=actor,
            before={"language": before},
            after={"language": language},
        )


def user_password_reset(*, actor: User, user: User, password: str) -> None:
    """The system administrator sets a new password for someone who lost theirs.

    Every session of that user ends and every API token is revoked. The two-factor
    device stays: only the security administrator resets it, so no one administrator
    can take over an account that uses two-factor authentication.
    """
    permissions.require(actor, "platform.manage_users")
    if user.pk == actor.pk:
        raise ValidationError(_("请在个人中心修改自己的密码。"))
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor=actor, action="auth.password_reset", obj=user)
        access_revoke(actor=actor, user=user, reason="password_reset")


def platform_role_set(*, actor: User | None, user: User, role: PlatformRole | str) -> User:
    """The security administrator grants or takes away a platform role (``actor`` None: the installer).

    Refused for a user who holds a project role, and for the actor's own account.
    Granting a role ends the user's sessions and revokes their tokens: a token made
    before the role (and before the second factor it requires) must not carry it.
    """
    if actor is not None:
        permissions.require(actor, "platform.grant_roles")
    role = PlatformRole(role)
    if actor is not None and user.pk == actor.pk:
        raise ValidationError(_("不能更改自己的平台角色。"))
    projects = 0
    with transaction.atomic():
        before = (
            User.objects.select_for_update().filter(pk=user.pk).values_list("platform_role", flat=True).get()
        )
        if role:
            projects = Membership.objects.filter(user_id=user.pk).count()
        if not projects and before != role:
            User.objects.filter(pk=user.pk).update(platform_role=role)
            user.platform_role = role
            audit.record(
                actor=actor,
                action="user.platform_role",
                obj=user,
                before={"platform_role": before},
                after={"platform_role": role},
            )
            if role:
                access_revoke(actor=actor, user=user, reason="platform_role_granted")
    if projects:
        _refuse(
            actor=actor,
            action="user.platform_role",
            obj=user,
            reason="holds_project_role",
            message=_("%(user)s 在 %(n)d 个项目中担任角色。请先移除其项目角色，再授予平台角色（三权分立）。")
            % {"user": user, "n": projects},
        )
    user.__dict__.pop("_dengbao_roles", None)
    return user


def membership_remove(*, actor: User, project: Project, user: User) -> None:
    _may_assign_members(actor, project)
    with transaction.atomic():
        membership = Membership.objects.filter(project=project, user=user).first()
        if membership is None:
            return
        if (
            membership.role == ProjectRole.MANAGER
            and not project.memberships.filter(role=ProjectRole.MANAGER).exclude(pk=membership.pk).exists()
        ):
            raise ValidationError(_("项目至少需要一名项目经理。"))
        membership.delete()
        audit.record(
            actor=actor,
            action="project.member_remove",
            obj=project,
            before={"user": user.get_username(), "role": membership.role},
        )
    user.__dict__.pop("_dengbao_roles", None)
