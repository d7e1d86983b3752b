"""Filing deadlines, the police's review time and the 2025 re-filing (core.filing_rules), as the
project dashboard and the system pages show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dengbao.core import certificates, filing_rules
from dengbao.systems import selectors, services
from dengbao.systems.models import Filing

D = dt.date
HARM3 = [{"object": "社会秩序、公共利益", "degree": "严重"}]
HARM2 = [{"object": "合法权益", "degree": "严重"}]


def test_thirty_days_after_the_level_is_set_or_after_go_live():
    assert filing_rules.filing_due(level=3, graded_on=D(2026, 3, 1), go_live=D(2020, 1, 1)) == D(2026, 3, 31)
    # a new system goes live after grading: 30 days from go-live
    assert filing_rules.filing_due(level=2, graded_on=D(2026, 3, 1), go_live=D(2026, 6, 10)) == D(2026, 7, 10)
    assert filing_rules.filing_due(level=1, graded_on=D(2026, 3, 1), go_live=None) is None
    assert filing_rules.filing_due(level=3, graded_on=None, go_live=None) is None


def test_certificate_ten_working_days_on_the_chinese_calendar():
    # submitted Friday 2025-09-26; National Day holiday 10-01..10-08, make-up days Sun 09-28 and
    # Sat 10-11: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13, 10-14, 10-15, 10-16
    got = filing_rules.certificate_expected(D(2025, 9, 26))
    assert got.warning == ""
    assert got.value == D(2025, 10, 16)
    # an ordinary fortnight: two calendar weeks
    assert filing_rules.certificate_expected(D(2026, 3, 2)).value == D(2026, 3, 16)


def test_forms_edition_by_date_unless_recorded():
    assert filing_rules.edition("", D(2019, 12, 20)) == "legacy"
    assert filing_rules.edition("", D(2025, 5, 6)) == "2025"
    assert filing_rules.edition("2025", D(2025, 3, 1)) == "2025"  # filed early on the new forms
    assert filing_rules.edition("", None) == "2025"


def test_reminder_texts_before_and_after_the_deadline():
    before = certificates.reminders(system="OA", level=2, today=D(2026, 3, 20), filing_due_on=D(2026, 3, 31))
    after = certificates.reminders(system="OA", level=2, today=D(2026, 4, 1), filing_due_on=D(2026, 3, 31))
    assert [(r.kind, r.overdue) for r in before] == [("filing_due", False)]
    assert [(r.kind, r.overdue) for r in after] == [("filing_due", True)]
    assert "2026-03-31 前" in before[0].message and "逾期" in after[0].message


def _system(world, name, level_harms=HARM3):
    system = services.system_create(
        actor=None, organisation=world.client, project=world.project, name=name, code=name
    )
    grading = services.grading_save_draft(
        actor=world.members["assessor"],
        project=world.project,
        system=system,
        business_harms=level_harms,
        service_harms=level_harms,
    )
    return system, grading


def _row(world, system, today=None):
    rows = selectors.system_rows(actor=world.members["manager"], project=world.project, today=today)
    return next(r for r in rows if r.system.pk == system.pk)


@pytest.mark.django_db
def test_graded_forty_days_ago_and_not_filed_is_overdue(world_a, login):
    system, grading = _system(world_a, "OA")
    today = timezone.localdate()
    services.grading_record_step(
        actor=world_a.members["manager"],
        project=world_a.project,
        grading=grading,
        review_date=today - dt.timedelta(days=40),
        review_experts=["专家甲"],
        review_opinion="同意",
    )
    row = _row(world_a, system)
    due = next(r for r in row.reminders if r.kind == "filing_due")
    assert due.overdue and due.due == today - dt.timedelta(days=10)
    # the dashboard shows it, marked overdue
    client = login(world_a.members["manager"])
    html = client.get(f"/projects/{world_a.project.slug}/").content.decode()
    assert "OA：备案已逾期" in html

    # filed: the reminder gives way to the police's 10 working days
    services.filing_record(
        actor=world_a.members["manager"],
        project=world_a.project,
        system=system,
        grading=grading,
        bureau="江城市公安局",
        submitted_on=today,
    )
    kinds = [r.kind for r in _row(world_a, system).reminders]
    assert "filing_due" not in kinds and "certificate_expected" in kinds


@pytest.mark.django_db
def test_level_two_filed_in_2019_gets_the_2025_refiling_task_until_refiled(world_a, login):
    system, grading = _system(world_a, "OA", HARM2)
    assert grading.level == 2
    manager = world_a.members["manager"]
    services.filing_record(
        actor=manager,
        project=world_a.project,
        system=system,
        grading=grading,
        bureau="江城市公安局",
        submitted_on=D(2019, 12, 20),
        certificate_number="42010099999-19001",
        certificate_issued_on=D(2020, 3, 2),
    )
    task = next(r for r in _row(world_a, system).reminders if r.kind == "refile_2025")
    assert "按 2025 模板重新备案" in task.message

    # the re-filing through the page is a new filing; the 2019 record stays
    client = login(manager)
    r = client.post(
        f"/projects/{world_a.project.slug}/systems/{system.pk}/filing/",
        {"bureau": "江城市公安局", "submitted_on": "2026-11-20", "form_edition": "2025"},
    )
    assert r.status_code == 302
    assert Filing.objects.filter(system=system).count() == 2
    assert sorted(f.edition for f in system.filings.all()) == ["2025", "legacy"]
    assert "refile_2025" not in [r.kind for r in _row(world_a, system).reminders]


@pytest.mark.django_db
def test_level_one_files_nothing(world_a):
    system, grading = _system(world_a, "Wiki", [{"object": "合法权益", "degree": "一般"}])
    assert grading.level == 1
    services.grading_record_step(
        actor=world_a.members["manager"],
        project=world_a.project,
        grading=grading,
        review_date=D(2020, 1, 1),
        review_experts=["专家甲"],
        review_opinion="同意",
    )
    assert _row(world_a, system).reminders == []
