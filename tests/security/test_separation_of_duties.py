"""Finding 6 (issue #13): 三权分立 as GB/T 22239 level 3 means it.

Each attack is tried as the attacker would — through the pages and straight at the
services — and must be refused, recorded, and leave nothing changed. The allowed
actions of each administrator are checked to still work.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError

from dengbao.accounts import services
from dengbao.accounts.models import Membership, User
from dengbao.accounts.roles import PlatformRole, ProjectRole
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from tests.conftest import PASSWORD, make_user

MEMBERS = "/manage/projects/proj-a/members/"


def role_url(user: User) -> str:
    return f"/accounts/security/users/{user.pk}/role/"


def role_post(user: User, role: str) -> dict[str, str]:
    return {f"u{user.pk}-platform_role": role}


@pytest.fixture
def sysadmin(platform_users) -> User:
    return platform_users[PlatformRole.SYSADMIN]


@pytest.fixture
def secadmin(platform_users) -> User:
    return platform_users[PlatformRole.SECADMIN]


@pytest.fixture
def auditor(platform_users) -> User:
    return platform_users[PlatformRole.AUDITADMIN]


def denied(actor: User, wanted: str) -> int:
    return AuditEvent.objects.filter(
        action="permission.denied", actor_id=actor.pk, outcome="denied", details__wanted=wanted
    ).count()


# --- The system administrator grants nothing ------------------------------------------


def test_sysadmin_cannot_create_an_audit_administrator_through_the_page(world_a, sysadmin, login):
    client = login(sysadmin)
    response = client.post(
        "/manage/users/",
        {
            "username": "mole",
            "display_name": "内鬼",
            "organisation": world_a.provider.pk,
            "password": PASSWORD,
            "platform_role": "auditadmin",
        },
    )
    assert response.status_code == 302  # the account is made ...
    assert User.objects.get(username="mole").platform_role == ""  # ... without the role
    assert "platform_role" not in client.get("/manage/users/").context["form"].fields


def test_sysadmin_cannot_create_an_audit_administrator_through_the_service(world_a, sysadmin):
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=sysadmin,
            username="mole",
            password=PASSWORD,
            organisation=world_a.provider,
            platform_role=PlatformRole.AUDITADMIN,
        )
    assert not User.objects.filter(username="mole").exists()
    assert denied(sysadmin, "platform.grant_roles") == 1


def test_sysadmin_cannot_grant_a_role_to_an_existing_account(world_a, sysadmin, login):
    target = make_user(world_a.provider, username="plain")
    client = login(sysadmin)
    # the account page does not take a role any more ...
    response = client.post(
        f"/manage/users/{target.pk}/",
        {
            "display_name": "x",
            "organisation": world_a.provider.pk,
            "platform_role": "auditadmin",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    # ... and the security administrator's page refuses him
    assert client.post(role_url(target), role_post(target, "auditadmin")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.platform_role_set(actor=sysadmin, user=target, role=PlatformRole.AUDITADMIN)
    target.refresh_from_db()
    assert target.platform_role == ""
    assert denied(sysadmin, "platform.grant_roles") == 2


def test_sysadmin_cannot_make_himself_manager_of_a_project(world_a, sysadmin, login):
    client = login(sysadmin)
    assert client.get(MEMBERS).status_code == 404  # not even the member list
    assert client.post(MEMBERS, {"user": sysadmin.pk, "role": "manager"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.membership_set(
            actor=sysadmin, project=world_a.project, user=sysadmin, role=ProjectRole.MANAGER
        )
    assert not Membership.objects.filter(user=sysadmin).exists()
    assert AuditEvent.objects.filter(actor_id=sysadmin.pk, action="permission.denied").count() >= 2


def test_sysadmin_cannot_put_anyone_in_a_project(world_a, sysadmin, login):
    outsider = make_user(world_a.provider, username="outsider")
    with pytest.raises(PermissionDenied):
        services.membership_set(
            actor=sysadmin, project=world_a.project, user=outsider, role=ProjectRole.ASSESSOR
        )
    manager = world_a.members[ProjectRole.MANAGER]
    client = login(sysadmin)
    assert client.post(f"{MEMBERS}{manager.pk}/remove/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=sysadmin, project=world_a.project, user=manager)
    assert not Membership.objects.filter(user=outsider).exists()
    assert Membership.objects.filter(user=manager, project=world_a.project).exists()


def test_project_created_by_sysadmin_has_no_member_not_even_the_one_he_names(world_a, sysadmin, login):
    response = login(sysadmin).post(
        "/manage/projects/",
        {
            "slug": "grab",
            "name": "夺权",
            "client": world_a.client.pk,
            "provider": world_a.provider.pk,
            "manager": sysadmin.pk,
        },
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(project__slug="grab").exists()


# --- No platform administrator holds a project role -----------------------------------


def test_manager_cannot_give_the_audit_administrator_a_project_role(world_a, auditor, login):
    manager = world_a.members[ProjectRole.MANAGER]
    response = login(manager).post(MEMBERS, {"user": auditor.pk, "role": "assessor"})
    assert response.status_code == 200  # the form does not offer administrators
    assert "user" in response.context["form"].errors
    with pytest.raises(ValidationError, match="平台管理员不能担任项目角色"):
        services.membership_set(
            actor=manager, project=world_a.project, user=auditor, role=ProjectRole.ASSESSOR
        )
    assert not Membership.objects.filter(user=auditor).exists()
    refusal = AuditEvent.objects.get(action="project.member_set", outcome="denied")
    assert (refusal.actor_id, refusal.project_id) == (manager.pk, world_a.project.pk)
    assert refusal.details["reason"] == "platform_administrator"


@pytest.mark.parametrize("admin", ["sysadmin", "secadmin", "auditadmin"])
def test_no_administrator_is_given_a_project_role_by_anyone(admin, world_a, platform_users, secadmin):
    target = platform_users[PlatformRole(admin)]
    for actor in (secadmin, world_a.members[ProjectRole.MANAGER], None):  # None: the CLI, the demo
        with pytest.raises(ValidationError):
            services.membership_set(
                actor=actor, project=world_a.project, user=target, role=ProjectRole.REVIEWER
            )
    assert not Membership.objects.filter(user=target).exists()
    assert AuditEvent.objects.filter(action="project.member_set", outcome="denied").count() == 3


def test_secadmin_cannot_join_a_project_himself(world_a, secadmin, login):
    response = login(secadmin).post(MEMBERS, {"user": secadmin.pk, "role": "manager"})
    assert response.status_code == 200
    assert not Membership.objects.filter(user=secadmin).exists()


def test_a_project_member_cannot_be_given_a_platform_role(world_a, secadmin, login):
    assessor = world_a.members[ProjectRole.ASSESSOR]
    response = login(secadmin).post(role_url(assessor), role_post(assessor, "auditadmin"), follow=True)
    assert "请先移除其项目角色" in response.content.decode()
    with pytest.raises(ValidationError):
        services.platform_role_set(actor=secadmin, user=assessor, role=PlatformRole.SYSADMIN)
    assessor.refresh_from_db()
    assert assessor.platform_role == ""
    assert AuditEvent.objects.filter(action="user.platform_role", outcome="denied").count() == 2


def test_a_membership_row_written_around_the_services_gives_an_administrator_nothing(world_a, auditor, login):
    Membership.objects.create(project=world_a.project, user=auditor, role=ProjectRole.MANAGER)
    client = login(auditor)
    assert client.get("/projects/proj-a/").status_code == 404
    assert client.get("/api/projects/proj-a").status_code == 404
    assert client.get("/api/projects").json() == []


# --- The security and audit administrators stay in their lanes ------------------------


def test_secadmin_cannot_read_or_export_the_audit_log(secadmin, login):
    client = login(secadmin)
    for url in ("/audit/", "/audit/export/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/audit/verify/").status_code == 403
    result = CliRunner().invoke(main, ["audit", "export", "-o", "/dev/null", "--user", secadmin.username])
    assert result.exit_code != 0


def test_secadmin_cannot_change_his_own_role_nor_manage_accounts(world_a, secadmin, login):
    with pytest.raises(ValidationError):
        services.platform_role_set(actor=secadmin, user=secadmin, role=PlatformRole.AUDITADMIN)
    client = login(secadmin)
    assert client.get("/manage/users/").status_code == 403
    assert client.post("/manage/users/", {"username": "x"}).status_code == 403
    assert client.post("/manage/projects/", {"slug": "x", "name": "x"}).status_code == 403
    secadmin.refresh_from_db()
    assert secadmin.platform_role == PlatformRole.SECADMIN


def test_audit_administrator_reads_and_exports_and_does_nothing_else(world_a, auditor, login):
    client = login(auditor)
    assert client.get("/audit/").status_code == 200
    assert client.get("/audit/export/").status_code == 200
    target = world_a.members[ProjectRole.ASSESSOR]
    for url in (
        "/manage/users/",
        "/manage/projects/",
        MEMBERS,
        "/accounts/security/",
        "/accounts/security/tokens/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(role_url(target), role_post(target, "")).status_code == 403
    assert client.post(f"/manage/users/{target.pk}/reset-password/").status_code == 403


# --- What each administrator may still do ---------------------------------------------


def test_sysadmin_creates_disables_and_resets_accounts(world_a, sysadmin, login):
    client = login(sysadmin)
    target = world_a.members[ProjectRole.ASSESSOR]
    response = client.post(f"/manage/users/{target.pk}/reset-password/")
    assert response.status_code == 200
    new_password = response.context["new_password"]
    target.refresh_from_db()
    assert target.check_password(new_password)
    assert AuditEvent.objects.filter(action="auth.password_reset", actor_id=sysadmin.pk).count() == 1
    response = client.post(
        f"/manage/users/{target.pk}/", {"display_name": "停用", "organisation": world_a.provider.pk}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    with pytest.raises(ValidationError):
        services.user_password_reset(actor=sysadmin, user=sysadmin, password="Another-Pass-2026!")


def test_secadmin_grants_roles_and_assigns_members(world_a, secadmin, login):
    client = login(secadmin)
    newcomer = make_user(world_a.provider, username="newcomer")
    assert client.post(MEMBERS, {"user": newcomer.pk, "role": "assessor"}).status_code == 302
    assert Membership.objects.get(project=world_a.project, user=newcomer).role == ProjectRole.ASSESSOR
    assert client.post(f"{MEMBERS}{newcomer.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()

    # once out of every project, the same person may become an administrator
    assert client.post(role_url(newcomer), role_post(newcomer, "auditadmin")).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.platform_role == PlatformRole.AUDITADMIN
    event = AuditEvent.objects.get(action="user.platform_role", outcome="ok")
    assert event.details["after"] == {"platform_role": "auditadmin"}
    assert client.get("/manage/projects/").status_code == 200  # the list, to reach members
    assert client.get("/audit/").status_code == 403


def test_manager_still_staffs_his_own_project(world_a, login):
    newcomer = make_user(world_a.provider, username="newcomer")
    client = login(world_a.members[ProjectRole.MANAGER])
    assert client.post(MEMBERS, {"user": newcomer.pk, "role": "assessor"}).status_code == 302
    assert Membership.objects.filter(user=newcomer, role=ProjectRole.ASSESSOR).exists()


def test_the_installer_creates_each_administrator_on_the_server(db, monkeypatch):
    monkeypatch.setenv("DENGBAO_ADMIN_PASSWORD", PASSWORD)
    runner = CliRunner()
    for username, role in (("admin", "sysadmin"), ("sec", "secadmin"), ("aud", "auditadmin")):
        result = runner.invoke(main, ["createadmin", "--username", username, "--role", role])
        assert result.exit_code == 0, result.output
        assert User.objects.get(username=username).platform_role == role
    assert runner.invoke(main, ["createadmin", "--role", "root"]).exit_code == 2
