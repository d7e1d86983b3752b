"""In-app notifications: a client's ticket, an acceptance and a failed document job reach the right
people, with an unread count on every page; each person reads and clears only their own."""

from __future__ import annotations

import datetime as dt
import re

from dengbao.accounts.roles import ProjectRole
from dengbao.audit.models import AuditEvent
from dengbao.engagements.models import Deliverable
from dengbao.inbox.models import Notice
from dengbao.reports import generation
from dengbao.reports.models import DocumentJob
from tests.engagements import factories


def _unread(page: str) -> int:
    found = re.search(r'id="unread-count">(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_a_clients_p1_ticket_reaches_the_managers_notifications(world_a, login):
    contract = factories.contract(world_a)
    slug = world_a.project.slug
    manager = login(world_a.members[ProjectRole.MANAGER])
    assert _unread(manager.get("/notifications/").content.decode()) == 0
    hospital = login(world_a.members[ProjectRole.CLIENT])
    for title, priority in (("HIS 数据库被勒索加密", "P1"), ("打印机驱动咨询", "P4")):
        opened = hospital.post(
            f"/projects/{slug}/engagement/tickets/",
            {"title": title, "kind": "incident", "priority": priority, "description": "门户提交"},
        )
        assert opened.status_code == 302
    p1 = contract.tickets.get(priority="P1")

    page = manager.get(f"/projects/{slug}/").content.decode()
    assert _unread(page) == 2  # on every page, in the top bar
    inbox = manager.get("/notifications/").content.decode()
    urgent = inbox[inbox.index('data-kind="urgent_ticket"') :]
    assert "紧急工单" in urgent and f"#{p1.number} HIS 数据库被勒索加密（P1）" in urgent
    assert f'href="/projects/{slug}/engagement/tickets/{p1.pk}/"' in urgent
    assert inbox.index('data-kind="ticket"') < inbox.index('data-kind="urgent_ticket"')  # newest first
    # the assessor is not a manager and the client opened it: neither is notified
    for role in (ProjectRole.ASSESSOR, ProjectRole.CLIENT):
        assert (
            "HIS 数据库被勒索加密" not in login(world_a.members[role]).get("/notifications/").content.decode()
        )


def test_each_person_clears_only_their_own_notices_and_it_is_audited(world_a, login):
    manager_user = world_a.members[ProjectRole.MANAGER]
    assessor_user = world_a.members[ProjectRole.ASSESSOR]
    mine = Notice.objects.create(recipient=manager_user, kind="ticket", subject="甲")
    other = Notice.objects.create(recipient=manager_user, kind="ticket", subject="乙")
    theirs = Notice.objects.create(recipient=assessor_user, kind="ticket", subject="丙")
    manager = login(manager_user)
    manager.post("/notifications/", {"notice": str(theirs.pk)})  # not the manager's: nothing happens
    theirs.refresh_from_db()
    assert theirs.read_at is None
    manager.post("/notifications/", {"notice": str(mine.pk)})
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None and other.read_at is None
    done = manager.post("/notifications/", follow=True).content.decode()
    assert "已将 1 条通知标为已读" in done and _unread(done) == 0
    assert "丙" not in done  # another person's notice is never listed
    events = AuditEvent.objects.filter(action="notice.read", actor_id=manager_user.pk).order_by("pk")
    assert [e.details["count"] for e in events] == [1, 1]


def test_an_acceptance_and_a_failed_job_are_notified(world_a, login):
    contract = factories.contract(world_a)
    manager_user = world_a.members[ProjectRole.MANAGER]
    deliverable = factories.deliverable(world_a)
    Deliverable.objects.filter(pk=deliverable.pk).update(delivered_on=dt.date(2026, 3, 1))
    accepted = login(world_a.members[ProjectRole.CLIENT]).post(
        f"/projects/{world_a.project.slug}/engagement/deliverables/{deliverable.pk}/accept/"
    )
    assert accepted.status_code == 302
    notice = Notice.objects.get(recipient=manager_user, kind="accepted")
    assert notice.link == f"/projects/{world_a.project.slug}/engagement/deliverables/"
    assessor = world_a.members[ProjectRole.ASSESSOR]
    job = DocumentJob.objects.create(
        project=world_a.project, kind="assessment_report", params={"system_id": 999999}, created_by=assessor
    )
    generation.job_run(job.pk)  # the system is gone: the job fails
    job.refresh_from_db()
    assert job.status == "failed"
    notice = Notice.objects.get(recipient=assessor, kind="job_failed")
    assert notice.subject.startswith("等级测评报告：") and notice.link.endswith(f"/documents/jobs/{job.pk}/")
    assert contract.project == notice.project


def test_the_client_adds_to_its_ticket_and_both_sides_hear_of_it(world_a, login):
    factories.contract(world_a)
    slug = world_a.project.slug
    client_user, manager_user = world_a.members[ProjectRole.CLIENT], world_a.members[ProjectRole.MANAGER]
    hospital = login(client_user)
    hospital.post(
        f"/projects/{slug}/engagement/tickets/",
        {"title": "门户网站打不开", "kind": "incident", "priority": "P3", "description": "首页 502"},
    )
    ticket = world_a.project.contract.tickets.get(title="门户网站打不开")
    url = f"/projects/{slug}/engagement/tickets/{ticket.pk}/"
    page = hospital.get(url).content.decode()
    assert 'id="follow-up"' in page  # the client may add to it
    hospital.post(url, {"kind": "follow_up", "note": "刚才又出现了一次，截图见邮件"})
    assert "刚才又出现了一次" in hospital.get(url).content.decode()
    note = Notice.objects.get(recipient=manager_user, kind="ticket_note")
    assert note.subject == f"#{ticket.number} 门户网站打不开：刚才又出现了一次，截图见邮件"
    assert not Notice.objects.filter(recipient=client_user, kind="ticket_note").exists()
    # the manager answers with a note on the timeline: the client hears of it
    login(manager_user).post(url, {"kind": "note", "note": "已安排工程师排查"})
    answer = Notice.objects.get(recipient=client_user, kind="ticket_note")
    assert answer.subject.endswith("已安排工程师排查") and answer.link == url
    refused = hospital.post(url, {"kind": "follow_up", "note": "  "}, follow=True).content.decode()
    assert "请填写补充说明" in refused
    assert AuditEvent.objects.filter(action="ticket.follow_up", object_id=str(ticket.pk)).count() == 1


def test_the_client_sends_a_deliverable_back_with_a_reason_and_accepts_the_next_one(world_a, login):
    factories.contract(world_a)
    slug = world_a.project.slug
    manager_user = world_a.members[ProjectRole.MANAGER]
    deliverable = factories.deliverable(world_a)
    Deliverable.objects.filter(pk=deliverable.pk).update(delivered_on=dt.date(2026, 3, 1))
    url = f"/projects/{slug}/engagement/deliverables/{deliverable.pk}/accept/"
    hospital = login(world_a.members[ProjectRole.CLIENT])
    refused = hospital.post(url, {"decision": "reject", "comment": ""}, follow=True).content.decode()
    assert "退回时请写明原因" in refused
    hospital.post(url, {"decision": "reject", "comment": "第 3 章缺少拓扑图"})
    deliverable.refresh_from_db()
    assert deliverable.status == "rejected" and deliverable.review_comment == "第 3 章缺少拓扑图"
    assert deliverable.accepted_at is None
    notice = Notice.objects.get(recipient=manager_user, kind="rejected")
    assert notice.subject.endswith("第 3 章缺少拓扑图")
    listing = login(manager_user).get(f"/projects/{slug}/engagement/deliverables/").content.decode()
    assert "已退回" in listing and "第 3 章缺少拓扑图" in listing
    again = hospital.post(url, {"decision": "accept"}, follow=True).content.decode()
    assert "已退回，等待重新交付" in again  # nothing to accept until it is delivered again
    from dengbao.engagements import services

    services.deliverable_deliver(
        actor=manager_user, deliverable=deliverable, delivered_on=dt.date(2026, 3, 5)
    )
    hospital.post(url, {"decision": "accept", "comment": "已补充，同意验收"})
    deliverable.refresh_from_db()
    assert deliverable.status == "accepted" and deliverable.review_comment == "已补充，同意验收"
    assert AuditEvent.objects.filter(action="deliverable.reject").count() == 1


def test_no_unread_count_before_the_second_factor(world_a, login):
    from django.test import Client

    manager_user = world_a.members[ProjectRole.MANAGER]
    Notice.objects.create(recipient=manager_user, kind="ticket", subject="甲")
    assert _unread(login(manager_user).get("/accounts/profile/").content.decode()) == 1  # verified: shown
    half = Client()
    half.force_login(manager_user)  # the password, not yet the 2FA code
    page = half.get("/accounts/2fa/", follow=True).content.decode()
    assert 'class="topbar"' in page and 'id="unread-count"' not in page
