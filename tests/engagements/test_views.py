"""Engagement pages and their writes: who may do what, and what is stored and audited."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.audit.models import AuditEvent
from dengbao.core.engagement import sla
from dengbao.engagements import selectors, services, year_services
from dengbao.engagements.models import Contract, Deliverable
from dengbao.engagements.service_models import Ticket

from . import factories

BASE = "/projects/proj-a/engagement/"


@pytest.fixture
def contract(world_a):
    return factories.contract(world_a)


def test_every_page_answers_every_member(world_a, contract, login):
    ticket = factories.ticket(world_a)
    pages = ["", "contract/", "deliverables/", "services/", "tickets/", f"tickets/{ticket.pk}/"]
    for role, user in world_a.members.items():
        client = login(user)
        for page in pages:
            response = client.get(BASE + page)
            assert response.status_code == 200, (role, page)
    body = login(world_a.members["manager"]).get(BASE).content.decode()
    assert 'id="gantt"' in body and "公安备案" in body and "2020-01-21" in body
    assert 'id="client-todo"' not in body
    _deliver(world_a, contract)
    client_body = login(world_a.members["client"]).get(BASE).content.decode()
    assert 'id="client-todo"' in client_body and "验收：WEB 等级测评报告" in client_body


def test_manager_records_a_contract_from_the_dashboard(world_b, login):
    from dengbao.systems.services import system_create

    for code in ("HIS", "OA", "WEB"):
        system_create(actor=None, organisation=world_b.client, project=world_b.project, name=code, code=code)
    client = login(world_b.members["manager"])
    url = "/projects/proj-b/engagement/"
    assert "登记合同" in client.get(url).content.decode()
    bad = client.post(url, {"title": "合同", "signed_on": "2019-11-26", "total": "abc"}, follow=True)
    assert "不是有效金额" in bad.content.decode() and not Contract.objects.exists()
    client.post(url, {"title": "合同", "signed_on": "2019-11-26", "total": "296,000"})
    contract = Contract.objects.get(project=world_b.project)
    assert contract.total == Decimal("296000.00")
    assert contract.deliverables.count() == 12 and contract.occurrences.count() == 27
    assert contract.phases.count() == 7 and contract.milestones.count() == 3
    assert AuditEvent.objects.filter(action="contract.create", project_id=world_b.project.pk).exists()
    # only the manager records it
    assert login(world_b.members["assessor"]).post(url, {"title": "x"}).status_code == 403


def _deliver(world, contract) -> Deliverable:
    deliverable = contract.deliverables.get(system__code="WEB", kind="assessment_report")
    return services.deliverable_deliver(
        actor=world.members["manager"], deliverable=deliverable, delivered_on=dt.date(2020, 3, 13)
    )


def test_client_accepts_a_delivered_deliverable(world_a, contract, login):
    deliverable = _deliver(world_a, contract)
    url = f"{BASE}deliverables/{deliverable.pk}/accept/"
    assert login(world_a.members["client"]).get(url).status_code == 405
    for role in ("manager", "assessor", "reviewer"):  # the provider cannot accept for the client
        assert login(world_a.members[role]).post(url).status_code == 403
    client = login(world_a.members["client"])
    page = client.post(url, follow=True).content.decode()
    deliverable.refresh_from_db()
    assert deliverable.accepted_by == world_a.members["client"] and deliverable.accepted_at is not None
    assert "已验收" in page
    again = client.post(url, follow=True).content.decode()
    assert "该交付物已验收" in again
    assert AuditEvent.objects.filter(action="deliverable.accept", outcome="ok").count() == 1
    assert (
        AuditEvent.objects.filter(
            action="permission.denied", details__wanted="project.accept_deliverable"
        ).count()
        == 3
    )
    pending = contract.deliverables.get(system__code="HIS", kind="filing_certificate")
    with pytest.raises(ValidationError, match="尚未交付"):
        services.deliverable_accept(actor=world_a.members["client"], deliverable=pending)


def test_late_part_penalty_is_shown(world_a, contract, login):
    _deliver(world_a, contract)
    services.contract_record_fact(
        actor=world_a.members["manager"], contract=contract, fact="reports_delivered", on=dt.date(2020, 1, 10)
    )
    rows = selectors.penalty_rows(
        actor=world_a.members["manager"], contract=contract, today=dt.date(2026, 1, 1)
    )
    assert len(rows) == 6  # HIS's 3 documents and WEB's other 2 are not delivered at all: late too
    (row,) = [r for r in rows if r.deliverable.delivered_on]
    # due 2020-01-21 (40 working days), delivered 2020-03-13: 52 days × 0.1% × ¥50,000
    assert (row.late_days, row.part_value, row.penalty) == (52, Decimal("50000.00"), Decimal("2600.00"))
    body = login(world_a.members["client"]).get(BASE + "contract/").content.decode()
    assert "¥2,600.00" in body and "¥50,000.00 × 0.00100 × 52" in body


def test_client_opens_a_ticket_and_the_manager_sees_it(world_a, contract, login):
    client = login(world_a.members["client"])
    his = world_a.project.systems.get(code="HIS")
    response = client.post(
        BASE + "tickets/",
        {
            "title": "HIS 挂号缓慢",
            "kind": "fault",
            "priority": "P1",
            "systems": [str(his.pk)],
            "description": "门诊",
        },
    )
    ticket = Ticket.objects.get(title="HIS 挂号缓慢")
    assert response.status_code == 302 and response["Location"].endswith(f"/tickets/{ticket.pk}/")
    assert ticket.source == "portal" and ticket.opened_by == world_a.members["client"]
    assert list(ticket.systems.all()) == [his] and ticket.events.get().kind == "opened"
    dashboard = login(world_a.members["manager"]).get(BASE).content.decode()
    assert "HIS 挂号缓慢" in dashboard and "剩余" in dashboard
    # the client cannot record SLA events; the provider can
    event_url = f"{BASE}tickets/{ticket.pk}/"
    assert client.post(event_url, {"kind": "acknowledged"}).status_code == 403
    assessor = login(world_a.members["assessor"])
    assessor.post(event_url, {"kind": "acknowledged", "note": "已电话回复"})
    ticket.refresh_from_db()
    assert ticket.assignee == world_a.members["assessor"]
    resumed = assessor.post(event_url, {"kind": "resumed"}, follow=True).content.decode()
    assert "工单不在等待客户状态" in resumed
    assert [e.kind for e in ticket.events.all()] == ["opened", "acknowledged"]


def test_sla_clock_pauses_on_stored_events_and_ticket_closes(world_a, contract):
    opened = dt.datetime(2020, 6, 12, 21, 0, tzinfo=dt.UTC)
    ticket = year_services.ticket_open(
        actor=world_a.members["client"], contract=contract, title="故障", kind="fault", priority="P1",
        source="phone", on_site_required=True, at=opened,
    )  # fmt: skip
    assessor = world_a.members["assessor"]
    for minutes, kind in ((30, "acknowledged"), (40, "waiting_client"), (100, "resumed"), (190, "on_site")):
        year_services.ticket_event(
            actor=assessor, ticket=ticket, kind=kind, at=opened + dt.timedelta(minutes=minutes)
        )
    with pytest.raises(ValidationError, match="早于上一个事件"):
        year_services.ticket_event(actor=assessor, ticket=ticket, kind="note", at=opened)
    (row,) = selectors.ticket_rows(actor=assessor, contract=contract, tickets=[ticket])
    response, on_site = row.clocks
    assert response.state == sla.State.MET
    assert on_site.state == sla.State.BREACHED and on_site.elapsed == dt.timedelta(minutes=130)
    assert on_site.breached_at == opened + dt.timedelta(minutes=180)
    with pytest.raises(ValidationError, match="已解决"):
        year_services.ticket_close(actor=assessor, ticket=ticket, report="x")
    year_services.ticket_event(actor=assessor, ticket=ticket, kind="resolved")
    closed = year_services.ticket_close(actor=assessor, ticket=ticket, report="原因与措施")
    assert closed.status == "closed" and closed.closing_report == "原因与措施"


def test_extensions_only_client_side_move_the_deadline(world_a, contract, login):
    client = login(world_a.members["manager"])
    due = lambda: selectors.project_due(Contract.objects.get(pk=contract.pk))  # noqa: E731
    assert due() == dt.date(2020, 1, 21)
    form = {"deadline": "project", "workdays": "3", "reason": "测评师另有项目", "approved_on": "2019-12-01"}
    client.post(BASE + "contract/extensions/", {**form, "cause": "provider"})
    assert due() == dt.date(2020, 1, 21)
    client.post(BASE + "contract/extensions/", {**form, "cause": "client", "reason": "医院机房停电"})
    assert due() == dt.date(2020, 2, 3)  # 01-22, 01-23, then the 2020 Spring Festival (extended to 02-02)
    assert contract.extensions.filter(approved_by=world_a.members["manager"]).count() == 2
    assert login(world_a.members["client"]).post(BASE + "contract/extensions/", form).status_code == 403


def test_attachment_upload_is_bounded(world_a, contract, login, settings):
    settings.DENGBAO_MAX_UPLOAD_BYTES = 1024
    client = login(world_a.members["manager"])
    big = SimpleUploadedFile("bid.pdf", b"x" * 2048)
    page = client.post(
        BASE + "contract/attachments/", {"kind": "bid", "file": big}, follow=True
    ).content.decode()
    assert "过大" in page and not contract.attachments.exists()
    client.post(
        BASE + "contract/attachments/", {"kind": "bid", "file": SimpleUploadedFile("bid.pdf", b"%PDF")}
    )
    attachment = contract.attachments.get()
    download = login(world_a.members["client"]).get(f"{BASE}contract/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF"
    assert (
        login(world_a.members["client"])
        .post(BASE + "contract/attachments/", {"kind": "bid", "file": SimpleUploadedFile("x.pdf", b"1")})
        .status_code
        == 403
    )


def test_occurrence_needs_proof(world_a, contract, login):
    occurrence = contract.occurrences.order_by("due_on").first()
    client = login(world_a.members["assessor"])
    url = f"{BASE}services/{occurrence.pk}/done/"
    client.post(url, {"done_on": "2020-01-02", "proof": ""})
    occurrence.refresh_from_db()
    assert occurrence.status == "planned"
    client.post(url, {"done_on": "2020-01-02", "proof": "https://scan.example/1"})
    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.done_on) == ("done", dt.date(2020, 1, 2))
    assert login(world_a.members["client"]).post(url, {"proof": "x"}).status_code == 403


def test_manager_records_actual_phase_dates(world_a, contract, login):
    url = BASE + "contract/phases/"
    form = {"phase": "onsite", "actual_start": "2019-12-06", "actual_end": "2019-12-30"}
    assert login(world_a.members["assessor"]).post(url, form).status_code == 403
    client = login(world_a.members["manager"])
    assert client.get(url).status_code == 405
    client.post(url, form)
    phase = contract.phases.get(key="onsite")
    assert (phase.actual_start, phase.actual_end) == (dt.date(2019, 12, 6), dt.date(2019, 12, 30))
    page = client.post(url, {**form, "actual_end": "2019-12-01"}, follow=True).content.decode()
    assert "结束日期不能早于开始日期" in page
    phase.refresh_from_db()
    assert phase.actual_end == dt.date(2019, 12, 30)
