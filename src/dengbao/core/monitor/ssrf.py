"""SSRF guard: which hosts and addresses a monitor may reach.

Monitors take URLs from users, so a check must never become a way to read the machine's own
services, the cloud metadata endpoint or the hospital's internal network from a zone that is not
meant to see it. The guard resolves a name once, refuses the whole name if any address is not
allowed (a name that resolves to both a public and a loopback address is an attack, not an
accident), and the HTTP layer then connects only to the addresses checked here, so a second DNS
answer cannot slip a different address in (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services: reachable only when a network list names them, never by allow_private.
_METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class TargetRefused(Exception):
    """The URL, host or address is outside what the monitor may reach."""

    def __init__(self, reason: str, *, host: str = "", address: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.host = host
        self.address = address


@dataclass(frozen=True)
class TargetPolicy:
    """What the caller (the project and the network zone that runs the check) allows.

    ``allowed_hosts``: exact names or ``*.example.org`` patterns; ``None`` allows any name (the
    addresses are still checked). ``allow_private`` lets a zone inside the hospital reach private,
    loopback and link-local addresses. ``allowed_networks`` lets exactly these networks through,
    e.g. one test server on 127.0.0.2 while 127.0.0.1 stays refused.
    """

    allowed_hosts: frozenset[str] | None = None
    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def build(
        cls,
        *,
        hosts: Iterable[str] | None = None,
        allow_private: bool = False,
        networks: Iterable[str] = (),
    ) -> TargetPolicy:
        return cls(
            allowed_hosts=None if hosts is None else frozenset(_norm_host(h) for h in hosts),
            allow_private=allow_private,
            allowed_networks=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
        )

    def host_allowed(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        name = _norm_host(host)
        for pattern in self.allowed_hosts:
            if pattern == name:
                return True
            if pattern.startswith("*.") and name.endswith(pattern[1:]) and name != pattern[2:]:
                return True
        return False

    def address_refusal(self, address: str) -> str | None:
        """Why ``address`` is refused, or ``None`` when it may be reached."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in net for net in self.allowed_networks if net.version == ip.version):
            return None
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = self.address_refusal(str(embedded))
            return None if inner is None else f"{address} embeds {embedded}: {inner}"
        if ip.is_unspecified or ip.is_multicast:
            return f"{address} is an unspecified or multicast address"
        if any(ip in net for net in _METADATA if net.version == ip.version):
            return f"{address} is a cloud metadata address"
        if ip.version == 4 and ip.is_reserved:
            return f"{address} is a reserved address"
        if ip.is_global and ip.version == 6 and ip in _IPV4_COMPATIBLE:
            return f"{address} is a deprecated IPv4-compatible address"
        if ip.is_global:
            return None
        if self.allow_private:
            return None
        kind = (
            "loopback"
            if ip.is_loopback
            else "link-local"
            if ip.is_link_local
            else "private"
            if ip.is_private
            else "non-global"
        )
        return f"{address} is a {kind} address (not allowed for this monitor's zone)"


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if ip.version != 6:
        return None
    assert isinstance(ip, ipaddress.IPv6Address)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class Resolution:
    host: str
    addresses: tuple[str, ...]
    seconds: float


class Resolver:
    """Resolves each name once per check run and applies the policy to every answer.

    One instance per run: every fetch in the run (browser and spider user agents, TLS probes) then
    connects to the same checked addresses.
    """

    def __init__(self, policy: TargetPolicy) -> None:
        self.policy = policy
        self._cache: dict[tuple[str, int], Resolution] = {}

    async def resolve(self, host: str, port: int) -> Resolution:
        name = _norm_host(host)
        if not name:
            raise TargetRefused("the URL has no host")
        if not self.policy.host_allowed(name):
            raise TargetRefused(f"host {name} is not in the monitor's allowed hosts", host=name)
        cached = self._cache.get((name, port))
        if cached is not None:
            return cached
        started = time.perf_counter()
        try:
            literal = ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            literal = None
        if literal is not None:
            addresses: tuple[str, ...] = (str(literal),)
        else:
            addresses = await _getaddrinfo(name, port)
        seconds = time.perf_counter() - started
        for address in addresses:
            refusal = self.policy.address_refusal(address)
            if refusal is not None:
                raise TargetRefused(f"{name}: {refusal}", host=name, address=address)
        resolution = Resolution(host=name, addresses=addresses, seconds=seconds)
        self._cache[(name, port)] = resolution
        return resolution


class ResolutionFailed(Exception):
    """The name does not resolve (NXDOMAIN, no address, resolver error)."""


async def _getaddrinfo(name: str, port: int) -> tuple[str, ...]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolutionFailed(f"cannot resolve {name}: {exc}") from None
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    if not seen:
        raise ResolutionFailed(f"{name} has no address")
    return tuple(seen)
