"""Reading form values: dates, numbers and lists, with messages that name the field."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def date(value: str, label: str, *, required: bool = True) -> dt.date | None:
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


def moment(value: str, label: str) -> dt.datetime:
    """A datetime-local field ("2026-03-01T09:00") or a date, in the current time zone."""
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


def integer(value: str, label: str, *, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValidationError(_("%(f)s须为整数") % {"f": label})
    return int(value)


def decimal(value: str, label: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError(_("%(f)s须为数字") % {"f": label}) from None


def lines(value: str) -> list[str]:
    from .authorisation_services import split_lines

    return split_lines(value or "")
