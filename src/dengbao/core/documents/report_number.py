"""The 测评报告编号 from a pattern the agency sets.

The usual form strings together the system's 备案证明编号, the year, the agency's 4-digit code and
the sequence of the year's assessment (e.g. ``44010020001-20001-26-0123-01``). An agency sets its
own pattern; without one the default applies, and without an agency code the code is left out
(the platform's earlier form ``{filing}-{yy}-{seq:02d}``).
"""

from __future__ import annotations

import datetime as dt
import re
import string

FIELDS = {
    "filing": "备案证明编号（未取得时为系统编号）",
    "yy": "年份后两位",
    "yyyy": "四位年份",
    "agency": "测评机构代码（4 位）",
    "seq": "本年度测评序号",
}
DEFAULT_PATTERN = "{filing}-{yy}-{agency}-{seq:02d}"
WITHOUT_AGENCY = "{filing}-{yy}-{seq:02d}"
AGENCY_CODE = re.compile(r"^\d{4}$")


class PatternError(ValueError):
    pass


def check_pattern(pattern: str) -> None:
    """Refuse a pattern naming an unknown field or using anything but plain fields and formats."""
    if not pattern.strip():
        raise PatternError("报告编号格式为空")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise PatternError(f"报告编号格式有误：{exc}") from None
    for _text, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS or conversion:
            raise PatternError(f"报告编号格式中的字段“{name}”未知，可用：{'、'.join(FIELDS)}")
        if spec and not re.fullmatch(r"0?\d{1,2}d?", spec):
            raise PatternError(f"字段“{name}”的格式“{spec}”不支持")


def report_number(*, filing: str, day: dt.date, seq: int, agency_code: str = "", pattern: str = "") -> str:
    pattern = pattern or (DEFAULT_PATTERN if agency_code else WITHOUT_AGENCY)
    check_pattern(pattern)
    return pattern.format(filing=filing, yy=f"{day:%y}", yyyy=f"{day:%Y}", agency=agency_code or "", seq=seq)
