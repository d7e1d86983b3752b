"""The contract's schedule on the official calendar: phases, rule-based deadlines, extensions."""

import datetime as dt

from dengbao.core import workdays
from dengbao.core.engagement import schedule as s

D = dt.date
SIGNED = D(2019, 11, 26)


def test_working_days_across_the_2020_spring_festival_and_its_extension():
    # 2020-01-19 (Sunday) was a make-up working day; 01-24..01-30 the holiday, extended to 02-02.
    assert workdays.add(D(2020, 1, 23), 1).value == D(2020, 2, 3)
    assert workdays.between(D(2020, 1, 17), D(2020, 2, 3)).value == 6  # 19, 20, 21, 22, 23, Feb 3
    assert workdays.add(D(2020, 2, 10), 10).value == D(2020, 2, 24)
    # Without the extension 01-31 (a Friday) would have been a working day.
    assert workdays.between(D(2020, 1, 30), D(2020, 2, 2)).value == 0


def test_working_days_across_the_2026_national_day():
    # 2026: 中秋 09-25..27, 国庆 10-01..07; Sunday 09-20 and Saturday 10-10 are make-up working days.
    assert workdays.add(D(2026, 9, 30), 1).value == D(2026, 10, 8)
    assert workdays.add(D(2026, 9, 30), 3).value == D(2026, 10, 10)
    # 09-20, 21..24, 28..30, 10-08, 09, 10 (Saturday), 12
    assert workdays.between(D(2026, 9, 18), D(2026, 10, 12)).value == 12
    assert workdays.next_workday(D(2026, 10, 1)).value == D(2026, 10, 8)


def test_phases_fill_the_forty_working_days():
    planned = s.plan(SIGNED)
    assert [p.phase.workdays for p in planned] == [3, 1, 3, 12, 7, 6, 8]
    assert [(p.phase.name, p.start, p.end) for p in planned] == [
        ("准备", D(2019, 11, 27), D(2019, 11, 29)),
        ("启动会", D(2019, 12, 2), D(2019, 12, 2)),
        ("信息系统分析", D(2019, 12, 3), D(2019, 12, 5)),
        ("现场测评", D(2019, 12, 6), D(2019, 12, 23)),
        ("整改方案编制", D(2019, 12, 24), D(2020, 1, 2)),  # 2020-01-01 is a holiday
        ("报告编制", D(2020, 1, 3), D(2020, 1, 10)),
        ("公安备案", D(2020, 1, 13), D(2020, 1, 21)),  # through the make-up Sunday 01-19
    ]
    assert planned[-1].end == workdays.add(SIGNED, 40).value == D(2020, 1, 21)


DEMO_GAP_EXTENSION = s.Extension(s.Cause.CLIENT, 5, "gap_list", "医院 HIS 升级，现场测评暂停")
DEMO_PROVIDER_DELAY = s.Extension(s.Cause.PROVIDER, 3, "gap_list", "测评师另有项目")


def demo_facts(*extensions: s.Extension) -> s.Facts:
    return s.Facts(
        signed_on=SIGNED,
        survey_done=D(2019, 12, 5),
        gap_list_delivered=D(2019, 12, 30),
        remediation_reported=D(2020, 2, 10),
        reports_delivered=D(2020, 2, 21),
        extensions=extensions,
    )


def test_deadlines_of_the_demo_before_anything_happened():
    due = {d.key: d.due for d in s.deadlines(s.Facts(signed_on=SIGNED))}
    assert due == {"survey": D(2019, 12, 17), "gap_list": None, "retest": None, "project": D(2020, 1, 21)}


def test_deadlines_of_the_demo():
    facts = demo_facts(DEMO_GAP_EXTENSION, DEMO_PROVIDER_DELAY)
    # The hospital's remediation from 12-30 to 02-10: 24 working days, the Spring Festival not counted.
    assert s.remediation_workdays(facts) == 24
    got = {d.key: d for d in s.deadlines(facts)}
    assert got["survey"].due == D(2019, 12, 17)
    assert got["gap_list"].due == D(2020, 1, 3)  # 15 + 5 (client) working days after 12-05; 3 not
    assert got["retest"].due == D(2020, 2, 24)
    assert got["project"].due == workdays.add(SIGNED, 40 + 5 + 24).value == D(2020, 3, 10)
    assert all(d.late_days(D(2026, 1, 1)) == 0 for d in got.values())


def test_only_client_side_causes_extend():
    assert s.extension_days([DEMO_GAP_EXTENSION, DEMO_PROVIDER_DELAY]) == 5
    assert s.extension_days([DEMO_PROVIDER_DELAY, s.Extension(s.Cause.OTHER, 2)]) == 0
    without = {d.key: d.due for d in s.deadlines(demo_facts(DEMO_PROVIDER_DELAY))}
    assert without["gap_list"] == D(2019, 12, 26) and without["project"] == D(2020, 3, 3)
    # An extension of the gap list does not move the survey deadline.
    assert without["survey"] == {d.key: d.due for d in s.deadlines(demo_facts(DEMO_GAP_EXTENSION))}["survey"]


def test_a_late_deadline_counts_calendar_days():
    late = s.Deadline("retest", "复测", D(2020, 2, 24), "", done=D(2020, 2, 27))
    assert late.late_days(D(2030, 1, 1)) == 3
    open_one = s.Deadline("retest", "复测", D(2020, 2, 24), "")
    assert open_one.late_days(D(2020, 2, 20)) == 0 and open_one.late_days(D(2020, 3, 1)) == 6
