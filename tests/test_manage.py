"""The administration pages: users, organisations, projects and members."""

from __future__ import annotations

from dengbao.accounts.models import Membership, Organisation, Project, User
from dengbao.audit.models import AuditEvent

from .conftest import PASSWORD


def test_sysadmin_creates_organisation_user_and_project(world_a, platform_users, login):
    client = login(platform_users["sysadmin"])
    r = client.post("/manage/organisations/", {"name": "江城市第二医院", "kind": "client"})
    assert r.status_code == 302
    hospital = Organisation.objects.get(name="江城市第二医院")

    r = client.post(
        "/manage/users/",
        {"username": "weak", "display_name": "弱口令", "organisation": hospital.pk, "password": "abc"},
    )
    assert r.status_code == 200
    assert "密码长度至少 10 位" in r.content.decode()
    assert not User.objects.filter(username="weak").exists()

    r = client.post(
        "/manage/users/",
        {
            "username": "pm2",
            "display_name": "新经理",
            "organisation": world_a.provider.pk,
            "password": PASSWORD,
        },
    )
    assert r.status_code == 302
    pm2 = User.objects.get(username="pm2")
    assert pm2.check_password(PASSWORD)

    # The system administrator creates the project; its members are the security administrator's
    # to assign (三权分立): a "manager" field in the post is not taken.
    r = client.post(
        "/manage/projects/",
        {
            "slug": "second",
            "name": "第二医院项目",
            "client": hospital.pk,
            "provider": world_a.provider.pk,
            "manager": pm2.pk,
        },
    )
    assert r.status_code == 302
    project = Project.objects.get(slug="second")
    assert not Membership.objects.filter(project=project).exists()
    actions = set(
        AuditEvent.objects.filter(actor_id=platform_users["sysadmin"].pk).values_list("action", flat=True)
    )
    assert {"organisation.create", "user.create", "project.create"} <= actions

    secadmin = login(platform_users["secadmin"])
    r = secadmin.post("/manage/projects/second/members/", {"user": pm2.pk, "role": "manager"})
    assert r.status_code == 302
    assert Membership.objects.get(project=project, user=pm2).role == "manager"
    assert AuditEvent.objects.filter(
        actor_id=platform_users["secadmin"].pk, action="project.member_set", project_id=project.pk
    ).exists()


def test_duplicate_slug_is_a_field_error(world_a, platform_users, login):
    client = login(platform_users["sysadmin"])
    r = client.post(
        "/manage/projects/",
        {
            "slug": "proj-a",
            "name": "重复",
            "client": world_a.client.pk,
            "provider": world_a.provider.pk,
            "manager": world_a.members["manager"].pk,
        },
    )
    assert r.status_code == 200
    assert "该标识已被使用" in r.content.decode()
    assert Project.objects.filter(slug="proj-a").count() == 1


def test_manager_adds_members_with_organisation_rule(world_a, login):
    from tests.conftest import make_user

    client = login(world_a.members["manager"])
    newcomer = make_user(world_a.provider, username="newcomer")
    url = "/manage/projects/proj-a/members/"
    assert client.post(url, {"user": newcomer.pk, "role": "assessor"}).status_code == 302
    assert Membership.objects.get(project=world_a.project, user=newcomer).role == "assessor"

    # a provider employee cannot be the client's contact
    r = client.post(url, {"user": newcomer.pk, "role": "client"})
    assert r.status_code == 200
    assert "不能担任客户联系人" in r.content.decode()
    assert Membership.objects.get(project=world_a.project, user=newcomer).role == "assessor"


def test_last_manager_cannot_be_removed(world_a, login):
    manager = world_a.members["manager"]
    client = login(manager)
    r = client.post(f"/manage/projects/proj-a/members/{manager.pk}/remove/", follow=True)
    assert "项目至少需要一名项目经理" in r.content.decode()
    assert Membership.objects.filter(project=world_a.project, user=manager).exists()


def test_assessor_cannot_manage_members(world_a, login):
    client = login(world_a.members["assessor"])
    target = world_a.members["client"]
    assert client.get("/manage/projects/proj-a/members/").status_code == 403
    assert client.post(f"/manage/projects/proj-a/members/{target.pk}/remove/").status_code == 403
    assert Membership.objects.filter(project=world_a.project, user=target).exists()


def test_sysadmin_cannot_deactivate_self(platform_users, login):
    admin = platform_users["sysadmin"]
    client = login(admin)
    r = client.post(
        f"/manage/users/{admin.pk}/",
        {"display_name": "x", "platform_role": "sysadmin", "organisation": admin.organisation_id},
    )
    assert r.status_code == 200
    assert "不能停用自己的账户" in r.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_project_list_counts_every_member(world_a, login):
    page = login(world_a.members["assessor"]).get("/projects/").content.decode()
    assert '<td class="num">4</td>' in page  # four members, not just the viewer
