"""Template filters for SLA clocks: durations in hours and minutes, states in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dengbao.core.engagement import sla

register = template.Library()

STATES = {
    sla.State.RUNNING: gettext_lazy("计时中"),
    sla.State.PAUSED: gettext_lazy("暂停（等待客户）"),
    sla.State.WARNING: gettext_lazy("即将超时"),
    sla.State.MET: gettext_lazy("达标"),
    sla.State.BREACHED: gettext_lazy("超时"),
    sla.State.NOT_NEEDED: gettext_lazy("无需到场"),
}
TARGETS = {"response": gettext_lazy("响应"), "on_site": gettext_lazy("到场")}


@register.filter
def duration(value: dt.timedelta) -> str:
    """1:05 → "1 小时 5 分"; negative values keep their sign."""
    minutes = (
        int(value.total_seconds() // 60) if value >= dt.timedelta(0) else -int(-value.total_seconds() // 60)
    )
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(s)s%(h)d 小时 %(m)d 分") % {"s": sign, "h": hours, "m": minutes}
    return _("%(s)s%(m)d 分") % {"s": sign, "m": minutes}


@register.filter
def clock_state(value: sla.State) -> str:
    return str(STATES.get(value, value))


@register.filter
def clock_target(value: str) -> str:
    return str(TARGETS.get(value, value))


@register.filter
def yuan(value) -> str:
    """¥296,000.00: thousands separated, two decimals, whatever the locale settings."""
    if value is None or value == "":
        return "—"
    return f"¥{Decimal(value):,.2f}"
