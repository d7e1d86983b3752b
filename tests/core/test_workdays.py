"""Working days on the official calendar: holidays, 调休, and years the package does not know."""

import datetime as dt

from click.testing import CliRunner

from dengbao.cli import main
from dengbao.core import workdays

D = dt.date


def test_the_contract_deadline():
    # SCENARIO.md: 40 working days after 2019-11-26 is 2020-01-21 on the official calendar
    assert workdays.add(D(2019, 11, 26), 40) == workdays.Answer(D(2020, 1, 21), "")


def test_make_up_working_day_and_holiday():
    # 2020-01-19 (a Sunday) was a 调休 working day; 2020-01-24..30 the Spring Festival holiday
    assert workdays.between(D(2020, 1, 17), D(2020, 1, 19)).value == 1
    assert workdays.next_workday(D(2020, 1, 24)).value == D(2020, 2, 3)  # the 2020 holiday was extended
    assert workdays.between(D(2020, 1, 21), D(2019, 11, 26)).value == -40
    assert workdays.add(D(2020, 1, 21), -40).value == D(2019, 11, 26)


def test_unknown_year_falls_back_to_weekends_with_a_warning():
    answer = workdays.add(D(2035, 1, 1), 5)  # Monday
    assert answer.value == D(2035, 1, 8)
    assert "2035" in answer.warning and "只按周末计算" in answer.warning


def test_cli():
    runner = CliRunner()
    result = runner.invoke(main, ["workdays", "add", "2019-11-26", "40"])
    assert result.exit_code == 0 and result.output.strip() == "2020-01-21"
    result = runner.invoke(main, ["workdays", "between", "2019-11-26", "2020-01-21", "--json"])
    assert '"value": "40"' in result.output
    bad = runner.invoke(main, ["workdays", "add", "2019-13-01", "4"])
    assert bad.exit_code == 2 and "is not a date" in bad.output
