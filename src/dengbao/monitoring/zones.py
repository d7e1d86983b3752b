"""Network zones: where a monitor's checks run and which addresses that place may reach.

A zone is a name plus its reach. ``public`` (the default) reaches only public addresses; a zone
that runs inside the hospital (``intranet``) may reach private, loopback and link-local ones. The
SSRF guard of core/monitor enforces this on every request and every redirect.

By default every zone's checks run in the monitor process of ``dengbao run``. A zone served from
inside its network runs them in ``dengbao worker --zone NAME`` instead (which also takes that
zone's scans from Redis); ``DENGBAO_MONITOR_LOCAL_ZONES`` (comma-separated) then lists the zones
the main server still checks itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_ZONE = "public"


@dataclass(frozen=True)
class Zone:
    key: str
    label: str
    allow_private: bool = False
    networks: tuple[str, ...] = ()


_BUILT_IN = {
    "public": Zone("public", _("公网"), False),  # lazy: shown in the reader's language
    "intranet": Zone("intranet", _("内网（允许访问内网地址）"), True),
}


def zones() -> dict[str, Zone]:
    """Built-in zones, added to or overridden by ``settings.DENGBAO_MONITOR_ZONES``."""
    out = dict(_BUILT_IN)
    for key, conf in (getattr(settings, "DENGBAO_MONITOR_ZONES", None) or {}).items():
        out[key] = Zone(
            key,
            str(conf.get("label", key)),
            bool(conf.get("allow_private", False)),
            tuple(conf.get("networks", ())),
        )
    return out


def zone(key: str) -> Zone:
    return zones().get(key) or Zone(key, key, False)


def local_zones() -> set[str] | None:
    """The zones this process runs checks for (None: all of them)."""
    value = getattr(settings, "DENGBAO_MONITOR_LOCAL_ZONES", None)
    return None if value is None else set(value)
