"""The engagement API: deliverables and acceptance, payments, the service month, tickets and their clocks."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from dengbao.core.engagement import money
from dengbao.engagements import payment_services, services
from dengbao.engagements.models import Deliverable
from dengbao.engagements.service_models import Ticket
from tests.engagements import factories

BASE = "/api/projects/proj-a"


def _delivered(world):
    contract = factories.contract(world)
    deliverable = contract.deliverables.order_by("pk").first()
    return services.deliverable_deliver(actor=None, deliverable=deliverable, delivered_on=dt.date(2026, 3, 2))


def test_deliverables_list_with_their_acceptance(world_a, as_role):
    contract = factories.contract(world_a)
    delivered = _delivered(world_a)
    listed = as_role("client").get(f"{BASE}/deliverables").json()
    assert len(listed) == contract.deliverables.count() == 8  # 2 systems × 4 kinds
    row = next(d for d in listed if d["id"] == delivered.pk)
    assert (row["status"], row["delivered_on"], row["accepted_by"]) == ("delivered", "2026-03-02", None)
    assert {d["status"] for d in listed if d["id"] != delivered.pk} == {"pending"}
    certificate = next(d for d in listed if d["kind"] == "filing_certificate")
    assert certificate["due"] is None and certificate["kind_label"] == "备案证明"


def test_the_client_contact_accepts_a_delivered_deliverable(world_a, as_role):
    delivered = _delivered(world_a)
    url = f"{BASE}/deliverables/{delivered.pk}/acceptance"
    assert as_role("manager").post(url).status_code == 403  # the provider cannot sign for the client
    assert as_role("client").get(url).json()["status"] == "delivered"
    answer = as_role("client").post(url)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "accepted" and body["accepted_by"] == world_a.members["client"].display_name
    stored = Deliverable.objects.get(pk=delivered.pk)
    assert stored.accepted_by == world_a.members["client"] and stored.accepted_at is not None
    again = as_role("client").post(url)
    assert again.status_code == 400 and again.json()["detail"] == "该交付物已验收"


def test_a_deliverable_not_yet_delivered_cannot_be_accepted(world_a, as_role):
    pending = factories.contract(world_a).deliverables.order_by("-pk").first()
    answer = as_role("client").post(f"{BASE}/deliverables/{pending.pk}/acceptance")
    assert answer.status_code == 400 and answer.json()["detail"] == "尚未交付，不能验收"
    assert Deliverable.objects.get(pk=pending.pk).accepted_at is None


def test_payments_with_amounts_and_due_dates(world_a, as_role):
    contract = factories.contract(world_a)
    first = contract.milestones.order_by("position").first()
    payment_services.milestone_trigger(actor=None, milestone=first, on=dt.date(2026, 3, 2))
    rows = as_role("client").get(f"{BASE}/payments").json()
    assert [(r["name"], Decimal(r["amount"])) for r in rows] == [
        ("首付款", Decimal("46800.00")),
        ("验收款", Decimal("93600.00")),
        ("质保金", Decimal("15600.00")),
    ]
    first.refresh_from_db()
    assert rows[0]["due"] == money.due_date(first.as_core(), dt.date(2026, 3, 2)).date.isoformat()
    assert rows[0]["due"] > "2026-03-02" and rows[1]["due"] is None
    assert [r["paid"] for r in rows] == [False, False, False]


def test_service_occurrences_of_a_month(world_a, as_role):
    contract = factories.contract(world_a)
    first = contract.occurrences.order_by("due_on").first()
    month = first.due_on.strftime("%Y-%m")
    answer = as_role("client").get(f"{BASE}/services", {"month": month}).json()
    expected = contract.occurrences.filter(due_on__year=first.due_on.year, due_on__month=first.due_on.month)
    assert answer["month"] == month
    assert sorted(o["id"] for o in answer["items"]) == sorted(expected.values_list("pk", flat=True))
    assert all(o["due_on"].startswith(month) for o in answer["items"])
    bad = as_role("client").get(f"{BASE}/services", {"month": "March"})
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["detail"]


def test_any_member_opens_a_ticket_and_its_clock_runs(world_a, as_role):
    factories.contract(world_a)
    body = {"title": "HIS 数据库连接异常", "kind": "fault", "priority": "P1", "description": "门诊挂号失败"}
    answer = as_role("client").post(f"{BASE}/tickets", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201, answer.content
    made = answer.json()
    ticket = Ticket.objects.get(pk=made["id"])
    assert (ticket.title, ticket.priority, ticket.source, ticket.opened_by) == (
        "HIS 数据库连接异常",
        "P1",
        "portal",
        world_a.members["client"],
    )
    response_clock = next(c for c in made["clocks"] if c["target"] == "response")
    assert response_clock["limit_minutes"] == 60 and response_clock["state"] in ("running", "warning")
    listed = as_role("assessor").get(f"{BASE}/tickets").json()
    assert [t["number"] for t in listed] == [made["number"]] and listed[0]["breached"] is False

    bad = as_role("reviewer").post(
        f"{BASE}/tickets", json.dumps({**body, "priority": "P9"}), content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["detail"] == "请选择工单优先级"
    assert Ticket.objects.count() == 1


def test_a_project_without_a_contract_has_nothing_to_list_and_takes_no_ticket(as_role):
    client = as_role("manager")
    for url in ("deliverables", "payments", "tickets"):
        answer = client.get(f"{BASE}/{url}")
        assert (answer.status_code, answer.json()) == (200, []), url
    assert client.get(f"{BASE}/services", {"month": "2026-03"}).json() == {"month": "2026-03", "items": []}
    body = json.dumps({"title": "x", "kind": "fault", "priority": "P1"})
    refused = client.post(f"{BASE}/tickets", body, content_type="application/json")
    assert refused.status_code == 404 and refused.json()["detail"] == "本项目尚未登记合同。"
    assert not Ticket.objects.exists()


def test_a_foreign_project_is_404(world_a, stranger):
    delivered = _delivered(world_a)
    for url in (
        f"{BASE}/deliverables",
        f"{BASE}/deliverables/{delivered.pk}/acceptance",
        f"{BASE}/payments",
        f"{BASE}/services",
        f"{BASE}/tickets",
    ):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"{BASE}/deliverables/{delivered.pk}/acceptance").status_code == 404
    body = json.dumps({"title": "x", "kind": "fault", "priority": "P1"})
    assert stranger.post(f"{BASE}/tickets", body, content_type="application/json").status_code == 404
    assert not Ticket.objects.exists()
    assert Deliverable.objects.get(pk=delivered.pk).accepted_at is None
