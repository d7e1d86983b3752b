"""The signed authorisation's scope, and the one check every scan passes before its first packet.

``check`` lists every reason a request is outside the scope (not just the first), in Chinese,
so the refusal can be shown and audited as it is. A host name is first matched against the
names the authorisation lists, before any DNS query: a name it does not list is refused unresolved.
A listed name is then judged by the addresses it resolved to once (see ``targets``): it may resolve
to public addresses, but any private, loopback or otherwise internal answer must itself be inside
the authorised networks, so a hostile DNS answer cannot turn a web scan inward.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..monitor.ssrf import TargetPolicy
from .ports import ALL_PORTS, PortRange, compact, outside, parse_ranges
from .targets import (
    DEFAULT_LIMIT,
    IPNetwork,
    Lookup,
    Target,
    TargetError,
    parse_target,
    resolve_sync,
    too_large_message,
    total_size,
)
from .windows import BEIJING, Period, TimeWindow, aware, window_end

_PUBLIC = TargetPolicy()  # no private, loopback, link-local, metadata or reserved addresses


class Technique(StrEnum):
    DISCOVERY = "discovery"
    VULN_SCAN = "vuln_scan"
    WEB_SCAN = "web_scan"
    PENTEST = "pentest"
    CONFIG_CHECK = "config_check"  # logging in to read configuration (live collection over SSH)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Technique.DISCOVERY: "资产发现与端口探测",
    Technique.VULN_SCAN: "漏洞扫描",
    Technique.WEB_SCAN: "Web 应用扫描",
    Technique.PENTEST: "渗透测试",
    Technique.CONFIG_CHECK: "登录核查（配置采集）",
}


@dataclass(frozen=True)
class Refusal:
    """One reason a scan may not run; ``code`` is stable for filtering, ``reason`` is for people."""

    # target, excluded, port, technique, time, not_yet_valid, expired, revoked, too_large, unresolved
    code: str
    reason: str
    target: str = ""
    port: str = ""
    technique: str = ""
    at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "reason": self.reason,
            "target": self.target,
            "port": self.port,
            "technique": self.technique,
            "at": self.at.isoformat() if self.at else None,
        }


def _networks(items: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError(f"授权网段“{item}”无效") from None
    return tuple(out)


@dataclass(frozen=True)
class Scope:
    """What one authorisation allows. Empty ``ports`` or ``techniques`` allow nothing."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: tuple[str, ...] = ()  # exact names or "*.example.cn"
    urls: tuple[str, ...] = ()  # their hosts count as listed names
    exclude: tuple[IPNetwork, ...] = ()
    ports: tuple[PortRange, ...] = ALL_PORTS
    techniques: frozenset[Technique] = field(default_factory=frozenset)
    windows: tuple[TimeWindow, ...] = ()
    periods: tuple[Period, ...] = ()
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    revoked: bool = False

    @classmethod
    def build(
        cls,
        *,
        cidrs: Iterable[str] = (),
        hosts: Iterable[str] = (),
        urls: Iterable[str] = (),
        exclude: Iterable[str] = (),
        ports: str | Iterable[int | str | PortRange] | None = None,
        techniques: Iterable[Technique | str] = (),
        windows: Iterable[TimeWindow] = (),
        periods: Iterable[Period] = (),
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
        revoked: bool = False,
    ) -> Scope:
        """From form values: strings for networks, hosts, URLs and ports (``None`` = every port)."""
        for when, what in ((valid_from, "生效时间"), (valid_until, "到期时间")):
            if when is not None:
                aware(when, what)
        return cls(
            networks=_networks(cidrs),
            hosts=tuple(h.strip().rstrip(".").lower() for h in hosts if h.strip()),
            urls=tuple(u.strip() for u in urls if u.strip()),
            exclude=_networks(exclude),
            ports=ALL_PORTS if ports is None else parse_ranges(ports),
            techniques=frozenset(Technique(t) for t in techniques),
            windows=tuple(windows),
            periods=tuple(periods),
            valid_from=valid_from,
            valid_until=valid_until,
            revoked=revoked,
        )

    def name_listed(self, name: str) -> bool:
        hosts = set(self.hosts) | {(urlsplit(u).hostname or "").lower() for u in self.urls}
        for pattern in hosts:
            if pattern == name or (pattern.startswith("*.") and name.endswith(pattern[1:])):
                return True
        return False

    def in_networks(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in net for net in self.networks if net.version == ip.version)

    def excluded_by(self, address: str) -> IPNetwork | None:
        ip = ipaddress.ip_address(address)
        return next((net for net in self.exclude if net.version == ip.version and ip in net), None)

    def permitted_until(self, at: dt.datetime) -> dt.datetime | None:
        """When the permission covering ``at`` ends (window, period or expiry); the engine stops there."""
        ends = [e for e in (window_end(self.windows, self.periods, at), self.valid_until) if e is not None]
        return min(ends) if ends else None


def _covered(net: IPNetwork, networks: Sequence[IPNetwork]) -> bool:
    """Is every address of ``net`` inside the union of ``networks``?"""
    if isinstance(net, ipaddress.IPv4Network):
        return _covered_by(net, [n for n in networks if isinstance(n, ipaddress.IPv4Network)])
    return _covered_by(net, [n for n in networks if isinstance(n, ipaddress.IPv6Network)])


_Net = TypeVar("_Net", ipaddress.IPv4Network, ipaddress.IPv6Network)


def _covered_by(net: _Net, same_version: list[_Net]) -> bool:
    inside = 0
    for block in ipaddress.collapse_addresses(same_version):
        if net.subnet_of(block):
            return True
        if block.subnet_of(net):
            inside += block.num_addresses  # collapsed blocks are disjoint, so these add up
    return inside == net.num_addresses


def _check_target(scope: Scope, target: Target) -> list[Refusal]:
    spec = target.spec
    if target.is_name and not scope.name_listed(target.host):
        reason = (
            f"主机名 {target.host} 未列入授权书：只有授权书列出的主机名才会被解析和扫描"
            "（未列入的名称不做 DNS 查询；请在授权书中列出该名称，或直接填写其 IP 地址）"
        )
        return [Refusal("target", reason, target=spec)]
    if target.error:
        return [Refusal("unresolved", target.error, target=spec)]
    net = target.network
    if net is not None:
        if not _covered(net, scope.networks):
            return [Refusal("target", f"网段 {net} 不完全在授权范围内", target=spec)]
        hit = [str(x) for x in scope.exclude if x.version == net.version and x.overlaps(net)]
        if hit:
            return [Refusal("excluded", f"网段 {net} 包含授权书排除的地址 {', '.join(hit)}", target=spec)]
        return []
    listed = target.is_name and scope.name_listed(target.host)
    out: list[Refusal] = []
    for address in target.addresses:
        refusal = _check_address(scope, address, spec, target.host if target.is_name else "", listed)
        if refusal is not None:
            out.append(refusal)
    return out


def _check_address(scope: Scope, address: str, spec: str, name: str, listed: bool) -> Refusal | None:
    via = f"（{name} 解析得到）" if name else ""
    excluded = scope.excluded_by(address)
    if excluded is not None:
        return Refusal("excluded", f"地址 {address}{via}被授权书排除（{excluded}）", target=spec)
    if scope.in_networks(address):
        return None
    if listed and _PUBLIC.address_refusal(address) is None:
        return None  # a listed name's public address: the name is what the letter authorised
    if name and listed:
        reason = f"授权主机名 {name} 解析到内部地址 {address}，该地址不在授权网段内（疑似 DNS 重绑定）"
    elif name:
        reason = f"主机名 {name} 未列入授权书，且其解析地址 {address} 不在授权网段内"
    else:
        reason = f"地址 {address} 不在授权范围内"
    return Refusal("target", reason, target=spec)


def _check_time(scope: Scope, at: dt.datetime) -> list[Refusal]:
    local = f"{at.astimezone(BEIJING):%Y-%m-%d %H:%M}"
    if scope.revoked:
        return [Refusal("revoked", "授权书已撤销，不能再据此扫描", at=at)]
    if scope.valid_from is not None and at < scope.valid_from:
        when = f"{scope.valid_from.astimezone(BEIJING):%Y-%m-%d %H:%M}"
        return [Refusal("not_yet_valid", f"授权书尚未生效（{when} 起生效），当前为 {local}", at=at)]
    if scope.valid_until is not None and at >= scope.valid_until:
        when = f"{scope.valid_until.astimezone(BEIJING):%Y-%m-%d %H:%M}"
        return [Refusal("expired", f"授权书已于 {when} 到期", at=at)]
    if scope.windows or scope.periods:
        if not any(w.contains(at) for w in scope.windows) and not any(p.contains(at) for p in scope.periods):
            allowed = "；".join([w.describe() for w in scope.windows] + [p.describe() for p in scope.periods])
            return [Refusal("time", f"当前时间 {local}（北京时间）不在授权时间窗内：{allowed}", at=at)]
    return []


def _techniques(technique: Technique | str | Iterable[Technique | str]) -> tuple[Technique, ...]:
    items = [technique] if isinstance(technique, str) else list(technique)
    return tuple(dict.fromkeys(Technique(t) for t in items))


def check(
    scope: Scope,
    *,
    targets: Sequence[str | Target],
    ports: Iterable[int],
    technique: Technique | str | Iterable[Technique | str],
    at: dt.datetime,
    limit: int = DEFAULT_LIMIT,
    lookup: Lookup | None = None,
) -> list[Refusal]:
    """Every reason this request is outside ``scope``; an empty list means it may run.

    Pass targets already resolved by ``targets.resolve`` when the scan is to run, so the engine
    connects to the addresses judged here; bare names are resolved once, here, with ``lookup`` —
    and only names the authorisation lists: any other name is refused without a DNS query.
    """
    aware(at, "扫描时间")
    refusals = _check_time(scope, at)
    for tech in _techniques(technique):
        if tech not in scope.techniques:
            allowed = "、".join(t.label for t in Technique if t in scope.techniques) or "无"
            reason = f"授权书未允许“{tech.label}”（允许：{allowed}）"
            refusals.append(Refusal("technique", reason, technique=tech.value))
    try:
        resolved = resolve_sync(
            [t if isinstance(t, Target) else parse_target(t) for t in targets],
            lookup=lookup,
            wanted=scope.name_listed,
        )
    except TargetError as exc:
        return [*refusals, Refusal("target", str(exc))]
    if not resolved:
        refusals.append(Refusal("target", "没有指定扫描目标"))
    size = total_size(resolved)
    if size > limit:
        refusals.append(Refusal("too_large", too_large_message(size, limit), target=f"{size} 个地址"))
    for target in resolved:
        refusals.extend(_check_target(scope, target))
    wanted = [*ports, *(t.port for t in resolved if t.port is not None)]
    if not wanted:
        refusals.append(Refusal("port", "没有指定扫描端口"))
    missing = outside(wanted, scope.ports)
    if missing:
        allowed = compact(scope.ports) or "无"
        reason = f"端口 {compact(missing)} 不在授权端口范围（{allowed}）内"
        refusals.append(Refusal("port", reason, port=compact(missing)))
    return refusals
