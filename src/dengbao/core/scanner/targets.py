"""Scan targets: parse what the user typed, resolve names once, expand to the exact address list.

A name is resolved exactly once per scan; the scope check judges those addresses and the engine
connects to those same addresses, so a second DNS answer can never put a different machine in
the scan (DNS rebinding). ``expand`` never resolves: an unresolved name is an error there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urlsplit

from ..monitor.urls import looks_numeric

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_LIMIT = 65536  # one /16: larger sweeps are split into several authorised jobs
_DEFAULT_PORTS = {"http": 80, "https": 443}

Lookup = Callable[[str], Sequence[str]]
Wanted = Callable[[str], bool]  # may this name be resolved? (is it in the authorisation?)


class Kind(StrEnum):
    ADDRESS = "address"
    NETWORK = "network"
    HOSTNAME = "hostname"
    URL = "url"


class TargetError(ValueError):
    """A target that cannot be scanned as written (bad syntax, unresolved name, too many addresses)."""


@dataclass(frozen=True)
class Target:
    """One target as written, plus the addresses it stands for once resolved."""

    spec: str
    kind: Kind
    host: str  # the address, the network ("10.0.0.0/24"), or the lower-case name
    url: str = ""
    port: int | None = None  # a URL's port (explicit or the scheme's default)
    addresses: tuple[str, ...] = ()  # filled for addresses and, after resolve(), for names
    resolved: bool = False
    error: str = ""  # why resolution failed

    @property
    def network(self) -> IPNetwork | None:
        return ipaddress.ip_network(self.host, strict=False) if self.kind == Kind.NETWORK else None

    @property
    def is_name(self) -> bool:
        return self.kind in (Kind.HOSTNAME, Kind.URL) and not _is_ip(self.host)

    def size(self) -> int:
        """How many addresses the target stands for, without materialising a network."""
        net = self.network
        if net is not None:
            return _host_count(net)
        return len(self.addresses)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _host_count(net: IPNetwork) -> int:
    full = net.num_addresses
    return full - 2 if net.version == 4 and net.prefixlen < 31 else full


def _norm_name(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()


def parse_target(spec: str) -> Target:
    """An address, a CIDR, a host name or an http(s) URL; raises TargetError with the reason."""
    text = spec.strip()
    if not text:
        raise TargetError("目标为空")
    if "://" in text:
        return _parse_url(text)
    if "/" in text:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise TargetError(f"目标“{text}”不是有效的网段（CIDR）") from None
        if net.num_addresses == 1:
            address = str(net.network_address)
            return Target(text, Kind.ADDRESS, address, addresses=(address,), resolved=True)
        return Target(text, Kind.NETWORK, str(net), resolved=True)
    name = _norm_name(text)
    if _is_ip(name.split("%", 1)[0]):
        address = str(ipaddress.ip_address(name.split("%", 1)[0]))
        return Target(text, Kind.ADDRESS, address, addresses=(address,), resolved=True)
    if not _valid_name(name):
        raise TargetError(f"目标“{text}”既不是 IP 地址、网段，也不是有效的主机名")
    return Target(text, Kind.HOSTNAME, name)


def _valid_name(name: str) -> bool:
    """A DNS name; a name a C resolver would read as an IPv4 address (``0177.0.0.1``, ``127.1``,
    ``0x7f.1``, ``2130706433``) is not one: addresses are written in dotted decimal or not at all."""
    labels = name.split(".")
    return (
        not looks_numeric(name)
        and 0 < len(name) <= 253
        and all(0 < len(label) <= 63 for label in labels)
        and all(c.isalnum() or c in "-_" for label in labels for c in label)
        and not any(label.startswith("-") or label.endswith("-") for label in labels)
    )


def _parse_url(text: str) -> Target:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise TargetError(f"URL“{text}”的协议“{parts.scheme}”不受支持，只能扫描 http/https")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise TargetError(f"URL“{text}”的端口无效") from None
    host = _norm_name(parts.hostname or "")
    if not host:
        raise TargetError(f"URL“{text}”没有主机名")
    if _is_ip(host):
        address = str(ipaddress.ip_address(host))
        return Target(text, Kind.URL, address, url=text, port=port, addresses=(address,), resolved=True)
    if not _valid_name(host):
        raise TargetError(f"URL“{text}”的主机名无效")
    return Target(text, Kind.URL, host, url=text, port=port)


def parse_targets(specs: Iterable[str | Target]) -> tuple[Target, ...]:
    return tuple(s if isinstance(s, Target) else parse_target(s) for s in specs)


def system_lookup(name: str) -> tuple[str, ...]:
    """Every address the system resolver gives for ``name`` (A and AAAA), in answer order."""
    infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        if address not in seen:
            seen.append(address)
    return tuple(seen)


def _resolve_one(target: Target, lookup: Lookup, cache: dict[str, Target]) -> Target:
    if target.resolved:
        return target
    done = cache.get(target.host)
    if done is None:
        try:
            addresses = tuple(str(ipaddress.ip_address(a)) for a in lookup(target.host))
            error = "" if addresses else f"主机名 {target.host} 没有解析到任何地址"
        except (OSError, UnicodeError, ValueError) as exc:
            addresses, error = (), f"主机名 {target.host} 无法解析：{exc}"
        done = replace(target, addresses=addresses, resolved=True, error=error)
        cache[target.host] = done
    return replace(target, addresses=done.addresses, resolved=True, error=done.error)


def resolve_sync(
    specs: Iterable[str | Target], *, lookup: Lookup | None = None, wanted: Wanted | None = None
) -> tuple[Target, ...]:
    """Parse and resolve every name once (one lookup per distinct name).

    With ``wanted`` (the scope's ``name_listed``), a name it refuses is never looked up: it stays
    unresolved, and the scope check refuses it by name. A DNS query is itself traffic the
    authorisation must cover (it tells the name's DNS servers what is about to be scanned).
    """
    cache: dict[str, Target] = {}
    out = []
    for target in parse_targets(specs):
        if not target.resolved and wanted is not None and not wanted(target.host):
            out.append(target)
        else:
            out.append(_resolve_one(target, lookup or system_lookup, cache))
    return tuple(out)


async def resolve(
    specs: Iterable[str | Target], *, lookup: Lookup | None = None, wanted: Wanted | None = None
) -> tuple[Target, ...]:
    """``resolve_sync`` off the event loop (the system resolver blocks)."""
    targets = parse_targets(specs)
    if all(t.resolved or (wanted is not None and not wanted(t.host)) for t in targets):
        return targets
    return await asyncio.to_thread(resolve_sync, targets, lookup=lookup, wanted=wanted)


def total_size(targets: Iterable[Target]) -> int:
    return sum(t.size() for t in targets)


def expand(specs: Iterable[str | Target], *, limit: int = DEFAULT_LIMIT) -> tuple[str, ...]:
    """The exact addresses a scan of these targets touches, each once, in address order.

    Pure: a name must already be resolved (``resolve``), so the addresses returned are the
    addresses that were checked. Raises TargetError past ``limit`` addresses.
    """
    targets = parse_targets(specs)
    unresolved = [t.spec for t in targets if not t.resolved or t.error]
    if unresolved:
        raise TargetError(f"主机名未解析，不能展开：{', '.join(unresolved)}")
    size = total_size(targets)
    if size > limit:
        raise TargetError(too_large_message(size, limit))
    seen: set[IPAddress] = set()
    for target in targets:
        net = target.network
        if net is not None:
            seen.update(net.hosts() if _host_count(net) != net.num_addresses else net)
        else:
            seen.update(ipaddress.ip_address(a) for a in target.addresses)
    return tuple(str(a) for a in sorted(seen, key=lambda a: (a.version, a)))


def too_large_message(size: int, limit: int) -> str:
    return f"目标共 {size} 个地址，超过单次扫描上限 {limit} 个（相当于一个 /16），请拆分为多个扫描任务"
