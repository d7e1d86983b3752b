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

from .urls import BadURL, check_host, is_ip_literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services: reachable only when a deployment lists them explicitly.
_METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),  # AWS, Azure, GCP, OpenStack, Tencent Cloud
    ipaddress.ip_network("169.254.170.2/32"),  # AWS ECS task metadata
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS over IPv6
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")

PUBLIC = "public"
PRIVATE = "private"
# Never reached, in any zone, unless TargetPolicy.allowed_networks lists them (a deployment setting).
NEVER_LABELS = {
    "loopback": "回环地址（loopback）",
    "link-local": "链路本地地址（link-local）",
    "unspecified": "未指定地址（unspecified）",
    "multicast": "组播地址（multicast）",
    "metadata": "云元数据地址（metadata）",
    "reserved": "保留地址（reserved）",
    "ipv4-compatible": "已废弃的 IPv4 兼容地址",
    "site-local": "已废弃的站点本地地址（site-local）",
}


class TargetRefused(Exception):
    """The URL, host or address is outside what the monitor may reach."""

    def __init__(self, reason: str, *, host: str = "", address: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.host = host
        self.address = address


def _ip(address: str) -> IPAddress:
    return ipaddress.ip_address(address.split("%", 1)[0])


def classify(address: str | IPAddress) -> str:
    """``public``, ``private`` (RFC 1918, ULA, CGNAT, ...) or one of :data:`NEVER_LABELS`' kinds.

    An IPv6 address that carries an IPv4 address (IPv4-mapped, 6to4, NAT64) is what it carries.
    """
    ip = _ip(address) if isinstance(address, str) else address
    if ip.version == 6 and ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return "ipv4-compatible"
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return classify(embedded)
    if any(ip in net for net in _METADATA if net.version == ip.version):
        return "metadata"
    if ip.is_unspecified or (ip.version == 4 and ip in _THIS_NETWORK):
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.version == 4 and ip.is_reserved:
        return "reserved"
    if ip.version == 6 and ip in _SITE_LOCAL:
        return "site-local"
    if ip.is_global:
        return PUBLIC
    return PRIVATE


def in_networks(address: str | IPAddress, networks: Iterable[IPNetwork]) -> bool:
    """``address`` (or the IPv4 address it carries) is inside one of ``networks``."""
    ip = _ip(address) if isinstance(address, str) else address
    candidates = [ip]
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        candidates.append(embedded)
    return any(c in net for c in candidates for net in networks if net.version == c.version)


def _matches(patterns: frozenset[str], name: str) -> bool:
    for pattern in patterns:
        if pattern == name:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]) and name != pattern[2:]:
            return True
    return False


@dataclass(frozen=True)
class TargetPolicy:
    """What the caller (the project and the network zone that runs the check) allows.

    - ``allowed_hosts``: exact names or ``*.example.org`` patterns; ``None`` allows any name (the
      addresses are still checked).
    - Private addresses (RFC 1918, ULA, CGNAT ...) are reached only by a host in ``private_hosts``
      (``None``: any allowed host) and only when the zone reaches them: ``allow_private`` (all of
      them) or ``private_networks`` (these networks).
    - Loopback, link-local, unspecified, multicast, reserved and cloud metadata addresses are never
      reached, whatever the zone, unless ``allowed_networks`` lists them: that list is an explicit
      allowance (a deployment setting, a test's loopback server) and opens exactly what it names.
    """

    allowed_hosts: frozenset[str] | None = None
    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)
    private_hosts: frozenset[str] | None = None
    private_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def build(
        cls,
        *,
        hosts: Iterable[str] | None = None,
        allow_private: bool = False,
        networks: Iterable[str] = (),
        private_hosts: Iterable[str] | None = None,
        private_networks: Iterable[str] = (),
    ) -> TargetPolicy:
        return cls(
            allowed_hosts=None if hosts is None else frozenset(_norm_pattern(h) for h in hosts),
            allow_private=allow_private,
            allowed_networks=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
            private_hosts=None
            if private_hosts is None
            else frozenset(_norm_pattern(h) for h in private_hosts),
            private_networks=tuple(ipaddress.ip_network(n, strict=False) for n in private_networks),
        )

    def host_allowed(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        name = _norm_pattern(host)
        return _matches(self.allowed_hosts, name) or (
            self.private_hosts is not None and _matches(self.private_hosts, name)
        )

    def host_may_be_private(self, host: str) -> bool:
        if self.private_hosts is None:
            return True
        return bool(host) and _matches(self.private_hosts, _norm_pattern(host))

    @property
    def reaches_private(self) -> bool:
        return self.allow_private or bool(self.private_networks)

    def address_refusal(self, address: str, host: str = "") -> str | None:
        """Why ``address`` (an answer for ``host``) is refused, or ``None`` when it may be reached."""
        ip = _ip(address)
        if in_networks(ip, self.allowed_networks):
            return None
        kind = classify(ip)
        if kind == PUBLIC:
            return None
        if kind != PRIVATE:
            return f"{address} 是{NEVER_LABELS[kind]}，任何网络区域都不允许访问"
        if not self.reaches_private:
            return f"{address} 是内网地址（private），本监测的网络区域不允许访问内网地址"
        if not self.host_may_be_private(host):
            return f"{address} 是内网地址（private），主机 {host or address} 未经安全管理员批准访问内网地址"
        if self.allow_private or in_networks(ip, self.private_networks):
            return None
        return f"{address} 是内网地址（private），不在本网络区域可访问的网段内"


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _norm_pattern(host: str) -> str:
    """A listed host as the resolver will see names: IDNA-encoded, IPv6 compressed."""
    try:
        return check_host(_norm_host(host), wildcard=True)
    except BadURL:
        return _norm_host(host)  # matches nothing the resolver accepts


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
            raise TargetRefused("网址没有主机名")
        try:
            name = check_host(name)
        except BadURL as exc:  # e.g. 0177.0.0.1, which a C resolver would read as 127.0.0.1
            raise TargetRefused(exc.reason, host=name) from None
        if not self.policy.host_allowed(name):
            raise TargetRefused(f"主机 {name} 不在允许监测的主机清单中", host=name)
        cached = self._cache.get((name, port))
        if cached is not None:
            return cached
        started = time.perf_counter()
        if is_ip_literal(name):
            addresses: tuple[str, ...] = (str(ipaddress.ip_address(name)),)
        else:
            addresses = await _getaddrinfo(name, port)
        seconds = time.perf_counter() - started
        for address in addresses:
            refusal = self.policy.address_refusal(address, host=name)
            if refusal is not None:
                raise TargetRefused(f"{name}：{refusal}", host=name, address=address)
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
