"""Formula-injection neutralisation and the CSV writer (pure functions, no database)."""

from __future__ import annotations

import csv
import io

import pytest

from dengbao.core.spreadsheet import UTF8_BOM, csv_chunks, neutralise


@pytest.mark.parametrize(
    "value",
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\tplain after tab",
        "   =1+1",
        "\n @SUM(A1)",
        " \u3000-1",
    ],
)
def test_formula_starts_are_prefixed_with_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["医院信息系统", "a=b", "1+1", "", "   ", "  text", "user@example.com", "'quoted"]
)
def test_plain_text_is_left_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [None, 5, -5, 1.5, True])
def test_non_text_values_are_left_alone(value):
    assert neutralise(value) is value


def test_csv_has_a_bom_and_neutralised_cells_and_streams_in_chunks():
    rows = [["序号", "对象"], *([str(i), "=cmd|' /C calc'!A0"] for i in range(7)), [None, -5]]
    chunks = list(csv_chunks(rows, rows_per_chunk=3))
    assert len(chunks) == 3
    data = b"".join(chunks)
    assert data.startswith(UTF8_BOM.encode("utf-8"))
    assert data.count(UTF8_BOM.encode("utf-8")) == 1
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0] == ["序号", "对象"]
    assert parsed[1] == ["0", "'=cmd|' /C calc'!A0"]
    assert parsed[-1] == ["", "-5"]
    assert len(parsed) == 9
