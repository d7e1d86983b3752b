"""Writes for organisations, users, projects and membership. Each one is audited."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dengbao.audit import services as audit

from . import permissions
from .models import Membership, Organisation, Project, User
from .roles import OrganisationKind, PlatformRole, ProjectRole


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
    """Create a user; the password must satisfy the policy. ``actor`` None means the CLI/installer."""
    if actor is not None:
        permissions.require(actor, "platform.manage_users")
    user = User(
        username=username,
        display_name=display_name,
        organisation=organisation,
        platform_role=platform_role,
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


def membership_set(*, actor: User | None, project: Project, user: User, role: ProjectRole) -> Membership:
    """Add a member or change their role. Client contacts come from the client, the rest from the provider."""
    if actor is not None and not permissions.can(actor, "platform.manage_projects"):
        permissions.require(actor, "project.manage_members", project)
    expected_org = project.client_id if role == ProjectRole.CLIENT else project.provider_id
    if user.organisation_id != expected_org:
        raise ValidationError(
            _("%(user)s 不属于%(org)s，不能担任%(role)s。")
            % {
                "user": user,
                "org": project.client if role == ProjectRole.CLIENT else project.provider,
                "role": ProjectRole(role).label,
            }
        )
    with transaction.atomic():
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
    user.__dict__.pop("_dengbao_roles", None)
    return membership


def user_update(
    *,
    actor: User,
    user: User,
    display_name: str,
    organisation: Organisation | None,
    platform_role: PlatformRole | str,
    is_active: bool,
    email: str = "",
) -> User:
    permissions.require(actor, "platform.manage_users")
    if user.pk == actor.pk and (not is_active or platform_role != actor.platform_role):
        raise ValidationError(_("不能停用自己的账户或更改自己的平台角色。"))
    fields = ("display_name", "organisation", "platform_role", "is_active", "email")
    before = {f: str(getattr(user, f) or "") for f in fields}
    user.display_name, user.organisation, user.platform_role = display_name, organisation, platform_role
    user.is_active, user.email = is_active, email
    with transaction.atomic():
        user.save(update_fields=list(fields))
        audit.record(
            actor=actor,
            action="user.update",
            obj=user,
            before=before,
            after={f: str(getattr(user, f) or "") for f in fields},
        )
    return user


def membership_remove(*, actor: User, project: Project, user: User) -> None:
    if not permissions.can(actor, "platform.manage_projects"):
        permissions.require(actor, "project.manage_members", project)
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
