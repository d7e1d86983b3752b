"""The audit log page: only the audit administrator, filters, paging, chain check, and reading is audited."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from dengbao.accounts import services as account_services
from dengbao.accounts.roles import PlatformRole, ProjectRole
from dengbao.audit import services as audit
from dengbao.audit.models import AuditEvent

URL = "/audit/"


def seqs(response) -> list[int]:
    return [event.seq for event in response.context["events"]]


def test_routes_are_where_the_brief_says():
    assert reverse("audit:event_list") == URL
    assert reverse("audit:export") == "/audit/export/"
    assert reverse("audit:verify") == "/audit/verify/"


def test_auditadmin_sees_newest_first_in_local_time(world_a, auditor, login):
    newest = AuditEvent.objects.order_by("-seq").first()
    response = login(auditor).get(URL)
    assert response.status_code == 200
    shown = seqs(response)
    assert shown[0] == newest.seq
    assert shown == sorted(shown, reverse=True)
    assert len(shown) == AuditEvent.objects.filter(seq__lte=newest.seq).count()
    body = response.content.decode()
    local = timezone.localtime(newest.at).strftime("%Y-%m-%d %H:%M:%S")
    utc = newest.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert local != utc  # Asia/Shanghai is UTC+8: the page must show local time
    assert local in body and utc not in body
    assert f'data-seq="{newest.seq}"' in body
    assert "proj-a-manager" in body  # actor / object of the member events


def test_filters_narrow_the_rows(world_a, world_b, platform_users, auditor, login):
    sysadmin = platform_users[PlatformRole.SYSADMIN]
    assert login(sysadmin).get(URL).status_code == 403  # leaves a permission.denied record
    client = login(auditor)
    today = timezone.localdate()

    rows = client.get(URL, {"action": "project.create"}).context["events"]
    assert sorted(e.object_repr for e in rows) == ["项目 proj-a", "项目 proj-b"]

    rows = client.get(URL, {"outcome": "denied"}).context["events"]
    assert [(e.action, e.actor_name) for e in rows] == [("permission.denied", "plat-sysadmin")]

    rows = client.get(URL, {"actor": "plat-sys"}).context["events"]
    assert [e.actor_name for e in rows] == ["plat-sysadmin"]

    rows = client.get(URL, {"project": world_b.project.pk}).context["events"]
    assert len(rows) == 1 + len(ProjectRole)  # project.create + one member_set per role
    assert {e.project_id for e in rows} == {world_b.project.pk}

    rows = client.get(URL, {"text": "proj-b-client"}).context["events"]
    assert [(e.action, e.object_repr) for e in rows] == [("user.create", "proj-b-client")]

    rows = client.get(URL, {"action": "user.create", "text": "proj-a"}).context["events"]
    assert len(rows) == len(ProjectRole)

    before = AuditEvent.objects.exclude(action="audit.view").count()
    rows = client.get(URL, {"date_from": today, "date_to": today}).context["events"]
    assert len([e for e in rows if e.action != "audit.view"]) == before

    response = client.get(URL, {"date_to": today - dt.timedelta(days=1)})
    assert response.context["events"] == []
    assert "没有符合条件的审计记录" in response.content.decode()
    assert client.get(URL, {"date_from": today + dt.timedelta(days=1)}).context["events"] == []


def test_bad_filter_values_are_reported_not_crashing(world_a, auditor, login):
    response = login(auditor).get(
        URL, {"date_from": "2026-13-45", "project": "abc", "action": "project.create"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"date_from", "project"}
    assert {e.action for e in response.context["events"]} == {"project.create"}


def test_fifty_a_page(world_a, auditor, login):
    for i in range(60):
        audit.record(actor=None, action="test.bulk", details={"i": i})
    client = login(auditor)
    first = client.get(URL, {"action": "test.bulk"})
    assert len(first.context["events"]) == 50
    assert [e.details["i"] for e in first.context["events"]][:2] == [59, 58]
    assert "page=2" in first.content.decode()
    second = client.get(URL, {"action": "test.bulk", "page": 2})
    assert [e.details["i"] for e in second.context["events"]] == list(range(9, -1, -1))


def test_each_page_load_is_audited_once(world_a, auditor, login):
    client = login(auditor)
    client.get(URL, {"action": "project.create"})
    client.get(URL, {"page": 1})
    views = list(AuditEvent.objects.filter(action="audit.view").order_by("seq"))
    assert [(v.actor_name, v.actor_id) for v in views] == [(auditor.username, auditor.pk)] * 2
    assert views[0].details["filters"] == {"action": "project.create"}
    assert views[0].details["matches"] == 1


def test_role_change_shows_before_and_after(world_a, auditor, login):
    assessor = world_a.members[ProjectRole.ASSESSOR]
    account_services.membership_set(
        actor=None, project=world_a.project, user=assessor, role=ProjectRole.MANAGER
    )
    response = login(auditor).get(URL, {"action": "project.member_set"})
    newest = response.context["events"][0]
    assert newest.summary.startswith("role: assessor → manager")
    assert "role: assessor → manager" in response.content.decode()


def test_everyone_else_is_refused_and_the_refusal_is_audited(world_a, platform_users, login):
    others = [platform_users[PlatformRole.SYSADMIN], platform_users[PlatformRole.SECADMIN]]
    others += list(world_a.members.values())
    for user in others:
        client = login(user)
        assert client.get(URL).status_code == 403, user
        assert client.get("/audit/export/").status_code == 403, user
        assert client.post("/audit/verify/").status_code == 403, user
        denials = AuditEvent.objects.filter(action="permission.denied", actor_id=user.pk)
        assert [d.details["wanted"] for d in denials] == ["audit.read"] * 3, user
    assert not AuditEvent.objects.filter(action__in=["audit.view", "audit.export", "audit.verify"]).exists()


def test_anonymous_is_sent_to_login(world_a, client):
    for url in (URL, "/audit/export/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_verify_button_reports_intact_then_broken(world_a, auditor, login, raw_sql):
    client = login(auditor)
    response = client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-intact="true"' in response.content.decode()
    assert "审计链完整" in response.content.decode()
    check = AuditEvent.objects.filter(action="audit.verify").get()
    assert (check.outcome, check.actor_id) == ("ok", auditor.pk)

    raw_sql("UPDATE audit_auditevent SET ip = '10.6.6.6' WHERE seq = 4")
    response = client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-intact="false"' in body and "第 4 条记录" in body
    assert AuditEvent.objects.filter(action="audit.verify").order_by("-seq")[0].outcome == "failed"

    followed = client.post("/audit/verify/", follow=True)  # without htmx: a message on the list page
    assert followed.redirect_chain[-1][0] == URL
    assert "第 4 条记录" in followed.content.decode()


def test_verify_needs_post(world_a, auditor, login):
    assert login(auditor).get("/audit/verify/").status_code == 405
