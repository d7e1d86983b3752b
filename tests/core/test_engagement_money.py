"""Payments of the demo contract, the late-delivery penalty, late-payment interest and the cap."""

import datetime as dt
from decimal import Decimal

from dengbao.core.engagement import money as m

D = dt.date
TOTAL = Decimal("296000.00")
FIRST, SECOND, RETENTION = m.STANDARD_MILESTONES


def test_amounts_of_the_three_payments():
    assert [m.amount(TOTAL, x.percent) for x in m.STANDARD_MILESTONES] == [
        Decimal("88800.00"),
        Decimal("177600.00"),
        Decimal("29600.00"),
    ]
    assert sum(x.percent for x in m.STANDARD_MILESTONES) == 100


def test_due_date_of_each_payment():
    # 30%: 15 working days after the survey report was confirmed on 2019-12-05
    assert m.due_date(FIRST, D(2019, 12, 5)) == m.Due(D(2019, 12, 26))
    # 60%: 15 working days after acceptance on 2020-03-05
    assert m.due_date(SECOND, D(2020, 3, 5)).date == D(2020, 3, 26)
    # the same rule across the Spring Festival: accepted 2020-01-20, due after the extended holiday
    assert m.due_date(SECOND, D(2020, 1, 20)).date == D(2020, 2, 18)
    # 10%: 15 calendar days after one year from acceptance
    assert m.due_date(RETENTION, D(2020, 3, 5)).date == D(2021, 3, 20)
    assert m.due_date(RETENTION, D(2024, 2, 29)).date == D(2025, 3, 15)


def test_a_due_date_in_an_unknown_year_warns():
    due = m.due_date(SECOND, D(2034, 12, 20))
    assert "2035" in due.warning


def test_penalty_on_a_late_part():
    # The portal's report (line item ¥50,000) delivered 3 days after its deadline.
    days = m.late_days(D(2020, 3, 10), D(2020, 3, 13), today=D(2026, 1, 1))
    assert days == 3
    assert m.late_delivery_penalty(Decimal("50000"), days) == Decimal("150.00")
    # HIS's share of the HIS/EMR/LIS line item, 11 days late
    share = m.split_evenly(Decimal("90000"), 3)
    assert share == [Decimal("30000.00")] * 3
    assert m.late_delivery_penalty(share[0], 11) == Decimal("330.00")
    assert m.late_delivery_penalty(Decimal("50000"), 0) == Decimal("0.00")
    assert m.split_evenly(Decimal("100"), 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_late_payment_interest():
    # ¥177,600 paid 8 days late at 3.85% a year
    days = m.late_days(D(2020, 3, 26), D(2020, 4, 3), today=D(2026, 1, 1))
    assert days == 8
    assert m.late_payment_interest(Decimal("177600"), days, Decimal("0.0385")) == Decimal(
        "149.87"
    )  # 149.865…
    assert m.late_days(D(2020, 3, 26), None, today=D(2020, 3, 20)) == 0


def test_liability_is_capped_at_fees_paid():
    small = m.liability([Decimal("150"), Decimal("330")], Decimal("88800"))
    assert small.payable == Decimal("480.00") and not small.capped
    big = m.liability([Decimal("60000"), Decimal("40000")], Decimal("88800"))
    assert big.payable == Decimal("88800.00") and big.capped and big.claimed == Decimal("100000.00")
