"""The demo engagement as loaded by `dengbao demo`: SCENARIO.md's figures on the pages' data."""

import datetime as dt
from decimal import Decimal

import pytest

from dengbao import demo
from dengbao.accounts.models import Project, User
from dengbao.core.engagement import sla
from dengbao.engagements import selectors

D = dt.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def board(demo_db):
    pm = User.objects.get(username="pm")
    return selectors.dashboard(actor=pm, project=Project.objects.get(slug="demo"), today=TODAY)


def test_schedule_and_deliverables_of_the_demo(board):
    contract = board.contract
    assert contract.total == Decimal("296000.00") and contract.signed_on == D(2019, 11, 26)
    assert sum(i.amount for i in contract.line_items.all()) == contract.total
    assert [(p.name, p.planned_end) for p in board.phases][-1] == ("公安备案", D(2020, 1, 21))
    due = {d.key: d.due for d in board.deadlines}
    assert due == {
        "survey": D(2019, 12, 17),
        "gap_list": D(2020, 1, 3),  # moved 5 working days by the hospital's HIS upgrade
        "retest": D(2020, 2, 24),
        "project": D(2020, 3, 10),  # 40 + 5 + 24 working days of the hospital's remediation
    }
    (extension,) = board.extensions
    assert extension.extends and extension.approved_by.username == "pm"
    # the deliverables: 6 systems × 4
    assert board.deliverable_counts == {"total": 24, "delivered": 23, "accepted": 22, "pending": 1}
    waiting = [str(d) for d in board.deliverables if d.status == "delivered"]
    assert waiting == ["门户网站 等级测评报告"]
    accepted = next(d for d in board.deliverables if d.accepted_at)
    assert accepted.accepted_by.username == "hospital"


def test_payments_tickets_and_services_of_the_demo(board):
    rows = [
        (p.milestone.name, p.amount, p.due, p.received_on, p.late_days, p.interest) for p in board.payments
    ]
    assert rows == [
        ("首付款", Decimal("88800.00"), D(2019, 12, 26), D(2019, 12, 20), 0, Decimal("0.00")),
        ("验收款", Decimal("177600.00"), D(2020, 3, 26), D(2020, 4, 3), 8, Decimal("149.87")),
        ("质保金", Decimal("29600.00"), D(2021, 3, 20), D(2021, 3, 18), 0, Decimal("0.00")),
    ]
    (penalty,) = board.penalties
    assert str(penalty.deliverable) == "门户网站 等级测评报告"
    assert (penalty.part_value, penalty.late_days, penalty.penalty) == (
        Decimal("50000.00"),
        3,
        Decimal("150.00"),
    )
    assert board.liability.payable == Decimal("150.00") and board.liability.cap == Decimal("296000.00")
    invoices = board.contract.invoices.all()
    assert {i.kind for i in invoices} == {"services"} and sum(i.amount for i in invoices) == Decimal(
        "296000.00"
    )
    # tickets: one met, one breached
    pm = User.objects.get(username="pm")
    rows = {r.ticket.priority: r for r in selectors.ticket_rows(actor=pm, contract=board.contract)}
    met, breached = rows["P1"], rows["P2"]
    assert [c.state for c in met.clocks] == [sla.State.MET, sla.State.MET]
    assert met.clocks[1].elapsed == dt.timedelta(minutes=100)  # 140 on the wall, 40 waiting on the hospital
    assert breached.breached and breached.clocks[0].elapsed == dt.timedelta(minutes=95)
    assert len(breached.clocks) == 1  # no on-site target: not caused by the provider's tools
    assert board.open_tickets == []
    occurrences = board.contract.occurrences.all()
    assert occurrences.count() == 27
    assert [o.title for o in board.late_occurrences] == [
        "网站监测月报（第 7 次）",
        "安全巡检及加固（第 3 次）",
    ]
    holidays = [o.holiday for o in occurrences if o.holiday]
    assert holidays == [
        "元旦 01-01～01-01",
        "春节 01-24～02-02",
        "劳动节 05-01～05-05",
        "国庆节 10-01～10-08",
    ]
    # loading the demo again changes nothing
    before = board.contract.deliverables.count(), board.contract.tickets.count()
    demo.load()
    contract = board.contract.__class__.objects.get()
    assert (contract.deliverables.count(), contract.tickets.count()) == before
