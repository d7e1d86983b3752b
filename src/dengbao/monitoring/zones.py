"""Network zones: where a monitor's checks run and which addresses that place may reach.

A zone is a name plus its reach. ``public`` (the default) reaches only public addresses; a zone
that runs inside the hospital (``intranet``) may reach private addresses (RFC 1918, ULA), or only
the ``networks`` it lists — and even there only for hosts the security administrator approved for
that project and zone (``PrivateHost``). Loopback, link-local, unspecified and cloud metadata
addresses are reached by no zone unless ``DENGBAO_OUTBOUND_ALLOW_ADDRESSES`` lists them. The SSRF
guard of core/monitor enforces this on every request and every redirect.

Where checks run: the monitor process of ``dengbao run`` checks only the zones that reach no
private address, unless the system administrator lists others in ``DENGBAO_MONITOR_LOCAL_ZONES``.
A zone that reaches private addresses is checked by ``dengbao worker --zone NAME``, started inside
that network, which also takes the zone's scans from Redis.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

DEFAULT_ZONE = "public"


@dataclass(frozen=True)
class Zone:
    key: str
    label: str
    allow_private: bool = False
    networks: tuple[str, ...] = ()

    @property
    def reaches_private(self) -> bool:
        """Whether any private address is reachable from here (all of them, or listed networks)."""
        return self.allow_private or bool(self.networks)


_BUILT_IN = {
    "public": Zone("public", _("公网"), False),  # lazy: shown in the reader's language
    "intranet": Zone("intranet", _("内网（由区域工作进程检查）"), True),
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


def private_zones() -> dict[str, Zone]:
    """The zones in which the security administrator may let a host reach private addresses."""
    return {k: z for k, z in zones().items() if z.reaches_private}


def local_zones() -> set[str]:
    """The zones this server's own monitor process checks.

    ``DENGBAO_MONITOR_LOCAL_ZONES`` when the system administrator sets it; otherwise every zone
    that reaches no private address. A zone worker names its zone explicitly instead.
    """
    value = getattr(settings, "DENGBAO_MONITOR_LOCAL_ZONES", None)
    if value is not None:
        return set(value)
    return {k for k, z in zones().items() if not z.reaches_private}


def runs_here(key: str) -> bool:
    return key in local_zones()


def outbound_allowance() -> tuple[str, ...]:
    """``DENGBAO_OUTBOUND_ALLOW_ADDRESSES``: networks every outbound request may reach, even loopback,
    link-local, unspecified or metadata ones (for tests and known on-host receivers)."""
    out = []
    for item in getattr(settings, "DENGBAO_OUTBOUND_ALLOW_ADDRESSES", None) or ():
        try:
            out.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"DENGBAO_OUTBOUND_ALLOW_ADDRESSES: {item!r} is not an address or network"
            ) from None
    return tuple(out)
