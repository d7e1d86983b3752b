import datetime as dt

from dengbao.core.certificates import add_months, reminders, valid_until

D = dt.date


def test_validity_three_years_from_2025_for_old_certificates():
    assert valid_until(D(2020, 3, 2)) == D(2028, 1, 1)
    assert valid_until(D(2025, 6, 1)) == D(2028, 6, 1)


def test_each_completed_assessment_extends_by_a_year():
    assert valid_until(D(2025, 6, 1), [D(2025, 12, 1), D(2026, 12, 1)]) == D(2030, 6, 1)
    # an assessment before the certificate was issued does not extend it
    assert valid_until(D(2025, 6, 1), [D(2024, 12, 1)]) == D(2028, 6, 1)
    # an old certificate's validity runs from 2025-01-01: an assessment in 2023 does not count
    assert valid_until(D(2020, 3, 2), [D(2023, 5, 1)]) == D(2028, 1, 1)
    assert valid_until(D(2020, 3, 2), [D(2023, 5, 1), D(2025, 12, 15)]) == D(2029, 1, 1)


def test_month_arithmetic_clamps_the_day():
    assert add_months(D(2028, 5, 31), -3) == D(2028, 2, 29)
    assert add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)


def test_reminders_for_a_level_three_system():
    got = reminders(
        system="HIS", level=3, today=D(2027, 11, 1), issued_on=D(2025, 1, 20), assessments=[D(2025, 11, 1)]
    )
    kinds = [(r.kind, r.due, r.overdue) for r in got]
    assert ("assessment_due", D(2026, 11, 1), True) in kinds  # a year since the last assessment
    assert (
        "certificate_renewal",
        D(2029, 1, 20),
        False,
    ) not in kinds  # window opens 3 months before expiry only
    late = reminders(
        system="HIS", level=3, today=D(2028, 11, 1), issued_on=D(2025, 1, 20), assessments=[D(2025, 11, 1)]
    )
    assert ("certificate_renewal", D(2029, 1, 20), False) in [(r.kind, r.due, r.overdue) for r in late]
    expired = reminders(system="OA", level=2, today=D(2029, 2, 1), issued_on=D(2025, 1, 20))
    assert [(r.kind, r.overdue) for r in expired] == [("certificate_expired", True)]
    assert reminders(system="OA", level=2, today=D(2026, 1, 1)) == []  # no fixed frequency for level 2


def test_refiling_after_a_change():
    got = reminders(
        system="IH", level=3, today=D(2026, 1, 1), assessments=[D(2025, 6, 1)], changed_since_filing=True
    )
    assert "需重新备案" in next(r.message for r in got if r.kind == "refiling")
