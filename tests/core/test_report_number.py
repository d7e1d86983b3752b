import datetime as dt

import pytest

from dengbao.core.documents.report_number import PatternError, check_pattern, report_number

DAY = dt.date(2026, 12, 8)


def test_the_default_carries_the_agency_code_and_without_one_the_earlier_form():
    assert report_number(filing="44010020001-20001", day=DAY, seq=1, agency_code="0123") == (
        "44010020001-20001-26-0123-01"
    )
    assert report_number(filing="IH", day=DAY, seq=2) == "IH-26-02"


def test_an_agency_pattern_is_used_and_checked():
    pattern = "JCAC-{yyyy}-{agency}-{filing}-{seq:03d}"
    assert report_number(filing="X1", day=DAY, seq=7, agency_code="0123", pattern=pattern) == (
        "JCAC-2026-0123-X1-007"
    )
    for bad in ("{secret}", "{filing.__class__}", "{filing!r}", "", "{seq:>99}", "{filing"):
        with pytest.raises(PatternError):
            check_pattern(bad)
