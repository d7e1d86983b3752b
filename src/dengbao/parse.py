"""Reading form values once: text, dates, times, whole numbers, numbers and money (issue 19 item 2).

Each reader takes the raw value (a form field's string, possibly missing) and the field's label,
and raises ValidationError with a message naming the field, in the user's language. The lenient
``optional_int`` reads ids from select boxes and hidden fields, where anything but digits means
"none chosen". Money is a Decimal in whole fen (core.engagement.money.yuan), never a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao.core.engagement import money as core_money

MONEY_LIMIT = Decimal("1e12")


def text(value: str | None, limit: int) -> str:
    """A text field as stored: CRLF (a browser's textarea) made LF, trimmed, at most ``limit`` characters."""
    return (value or "").replace("\r\n", "\n").strip()[:limit]


def date(value: str | None, label: str, *, required: bool = False) -> dt.date | None:
    """An ISO date (2026-12-31); blank is None, or refused when ``required``."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(_("请填写%(f)s") % {"f": label})
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("%(f)s“%(v)s”不是有效日期（格式：2026-12-31）") % {"f": label, "v": value[:20]}
        ) from None


def required_date(value: str | None, label: str) -> dt.date:
    day = date(value, label, required=True)
    assert day is not None
    return day


def moment(value: str | None, label: str) -> dt.datetime:
    """A datetime-local field ("2026-03-01T09:00") or a date, in the current time zone; required."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("请填写%(f)s") % {"f": label})
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("%(f)s“%(v)s”不是有效时间（格式：2026-12-31 18:00）") % {"f": label, "v": value[:20]}
        ) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def optional_int(value: object) -> int | None:
    """An id from a select box or hidden field: its digits as a number, anything else None."""
    digits = str(value if value is not None else "").strip()
    return int(digits) if digits.isdigit() else None


def integer(value: str | None, label: str, *, default: int | None = None) -> int | None:
    """A whole number ≥ 0; blank is ``default``; anything else but digits is refused."""
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValidationError(_("%(f)s须为整数") % {"f": label})
    return int(value)


def number(value: str | None, label: str) -> float | None:
    """A measurement such as a CVSS score (not money); blank is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError(_("%(f)s须为数字") % {"f": label}) from None


def money(value: str | Decimal | int, label: str) -> Decimal:
    """An amount in yuan (“¥1,200.5” allowed), ≥ 0 and below 10¹², rounded to the fen."""
    try:
        result = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        raise ValidationError(f"{label}“{str(value)[:20]}”不是有效金额") from None
    if not result.is_finite() or result < 0 or result >= MONEY_LIMIT:
        raise ValidationError(f"{label}“{str(value)[:20]}”不是有效金额")
    return core_money.yuan(result)
