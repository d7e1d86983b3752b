"""The service year generated from the contract's service lines."""

import datetime as dt
from collections import Counter

from dengbao.core.engagement import service_year as sy

D = dt.date


def test_the_demo_service_year():
    year = sy.generate(D(2019, 11, 26))
    assert year.end == D(2020, 11, 25) and year.warnings == []
    counts = Counter(o.kind for o in year.occurrences)
    assert counts == {
        sy.ServiceKind.VULN_SCAN: 4,
        sy.ServiceKind.KEY_WEBSITE: 4,
        sy.ServiceKind.MONITORING: 12,
        sy.ServiceKind.DEEP_SCAN: 2,
        sy.ServiceKind.INSPECTION: 4,
        sy.ServiceKind.TRAINING: 1,
    }
    assert all(year.start <= o.due <= year.end for o in year.occurrences)
    scans = [o.due for o in year.occurrences if o.kind == sy.ServiceKind.VULN_SCAN]
    # the last working day of each quarter of the service year
    assert scans == [D(2020, 2, 24), D(2020, 5, 26), D(2020, 8, 25), D(2020, 11, 25)]
    deep = [o.due for o in year.occurrences if o.kind == sy.ServiceKind.DEEP_SCAN]
    assert deep == [D(2020, 5, 26), D(2020, 11, 25)]


def test_key_website_protection_before_the_major_holidays():
    year = sy.generate(D(2019, 11, 26))
    protection = [o for o in year.occurrences if o.kind == sy.ServiceKind.KEY_WEBSITE]
    assert [(o.holiday.name, o.holiday.first, o.holiday.last, o.due) for o in protection] == [
        ("元旦", D(2020, 1, 1), D(2020, 1, 1), D(2019, 12, 31)),
        ("春节", D(2020, 1, 24), D(2020, 2, 2), D(2020, 1, 23)),  # the extended 2020 Spring Festival
        ("劳动节", D(2020, 5, 1), D(2020, 5, 5), D(2020, 4, 30)),
        ("国庆节", D(2020, 10, 1), D(2020, 10, 8), D(2020, 9, 30)),
    ]
    names = [h.name for h in year.holidays]
    assert names == ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节"]


def test_2026_holidays_and_an_unknown_year():
    found, unknown = sy.holidays(D(2026, 9, 1), D(2026, 10, 31))
    assert [(h.name, h.first, h.last) for h in found] == [
        ("中秋节", D(2026, 9, 25), D(2026, 9, 27)),
        ("国庆节", D(2026, 10, 1), D(2026, 10, 7)),
    ]
    assert unknown == []
    year = sy.generate(D(2026, 3, 1))  # runs into 2027, which the calendar package does not know
    protection = [o for o in year.occurrences if o.kind == sy.ServiceKind.KEY_WEBSITE]
    assert len(protection) == 4 and all(o.holiday is None for o in protection)
    assert any("2027" in w and "等分周期" in w for w in year.warnings)


def test_on_request_lines_schedule_nothing():
    year = sy.generate(D(2019, 11, 26), [sy.ServiceLine(sy.ServiceKind.PENTEST, 0)])
    assert year.occurrences == []
    training = sy.generate(D(2019, 11, 26), [sy.ServiceLine(sy.ServiceKind.TRAINING, 2)]).occurrences
    assert [(o.title, o.due) for o in training] == [
        ("信息安全培训（第 1 次）", D(2020, 5, 26)),
        ("信息安全培训（第 2 次）", D(2020, 11, 25)),
    ]
