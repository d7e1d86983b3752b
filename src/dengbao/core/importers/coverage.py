"""What a scan file shows was looked at, so a re-import closes only that.

Every importer yields ``Coverage`` records next to its findings: the hosts that were
scanned (up, listed, or declared by the user), on them the ports by protocol when the
file says (nmap's ``scaninfo``), and the rules that ran when the file says (Nessus'
plugin set, the templates a Nuclei output shows). ``CoverageIndex`` answers, for a
stored finding or service, "did this import look at it?" — only then may its absence
close it. The rule per format is in docs/guide/importers.md.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PortRange = tuple[int, int]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Findings whose rule id is "<group>:<detail>": the group is what runs (a script, a template).
_GROUPED_BY_COLON = frozenset({"nmap", "nuclei"})


def rule_group(tool: str, rule_id: str) -> str:
    """The unit that runs for a finding's rule: an nmap script, a Nuclei template, an xray plugin."""
    if tool in _GROUPED_BY_COLON:
        return rule_id.partition(":")[0]
    if tool == "xray":
        head, sep, _ = rule_id.partition("/")
        return head if sep and head != "phantasm" else rule_id
    return rule_id


def merge(ranges: Iterable[PortRange]) -> tuple[PortRange, ...]:
    out: list[PortRange] = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return tuple(out)


def parse_ranges(spec: str) -> tuple[PortRange, ...]:
    """nmap's ``services`` attribute ("1-1000,8080") as merged ranges; ValueError when malformed.

    (core.scanner.ports has the user-facing twin; it cannot be imported here without a cycle.)
    """
    items: list[PortRange] = []
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        low, high = int(first), int(last or first)
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"端口范围 {part.strip()[:40]!r} 无效")
        items.append((low, high))
    return merge(items)


def compact(ranges: Iterable[PortRange]) -> str:
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in merge(ranges))


@dataclass(frozen=True, slots=True)
class PortSet:
    """Port ranges per protocol ("tcp", "udp", "sctp"), as a scan covered them."""

    ranges: tuple[tuple[str, tuple[PortRange, ...]], ...] = ()

    @classmethod
    def of(cls, by_protocol: Mapping[str, Iterable[PortRange]]) -> PortSet:
        merged = {p.lower(): merge(r) for p, r in by_protocol.items()}
        return cls(tuple(sorted((p, r) for p, r in merged.items() if r)))

    def covers(self, protocol: str, port: int) -> bool:
        for name, ranges in self.ranges:
            if name == (protocol or "tcp"):
                index = bisect.bisect_right(ranges, (port, 65536)) - 1
                return index >= 0 and ranges[index][0] <= port <= ranges[index][1]
        return False

    def describe(self) -> str:
        """ "tcp 1-1000; udp 53,161" for the import record and the user."""
        return "; ".join(f"{name} {compact(ranges)}" for name, ranges in self.ranges)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Hosts one scan looked at, and on them which ports and rules.

    ``ports`` None: the file says nothing about ports — findings are judged by host and
    rule, and no service is closed. ``rules`` None: every rule of the tool counts as run.
    ``severities`` None: every severity (a filtered export covers only the levels it kept).
    """

    tool: str
    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    ports: PortSet | None = None
    rules: frozenset[str] | None = None
    severities: frozenset[str] | None = None

    def covers_rule(self, tool: str, rule_id: str, severity: str) -> bool:
        if tool != self.tool:
            return False
        if self.severities is not None and severity not in self.severities:
            return False
        return self.rules is None or rule_group(tool, rule_id) in self.rules


@dataclass(frozen=True, slots=True)
class Incomplete:
    """The scan did not finish (aborted, stopped, cut short): the import closes nothing."""

    reason: str


@dataclass
class CoverageIndex:
    """Every Coverage of one import, looked up by host (and by network for declared ranges)."""

    by_host: dict[str, list[Coverage]] = field(default_factory=dict)
    networks: list[Coverage] = field(default_factory=list)
    port_hosts: set[str] = field(default_factory=set)  # hosts whose ports were covered
    _ports: set[str] = field(default_factory=set)
    _rules: dict[str, set[str] | None] = field(default_factory=dict)

    def add(self, coverage: Coverage) -> None:
        for host in coverage.hosts:
            key = host.lower()
            entries = self.by_host.setdefault(key, [])
            if not any(entry is coverage for entry in entries):
                entries.append(coverage)
            if coverage.ports is not None:
                self.port_hosts.add(key)
        if coverage.networks:
            self.networks.append(coverage)
        if coverage.ports is not None and coverage.ports.ranges:
            self._ports.add(coverage.ports.describe())
        if coverage.rules is None:
            self._rules[coverage.tool] = None
        else:
            known = self._rules.setdefault(coverage.tool, set())
            if known is not None:  # None: the tool ran every rule already
                known.update(coverage.rules)

    @property
    def hosts(self) -> set[str]:
        return set(self.by_host)

    @property
    def tools(self) -> set[str]:
        return set(self._rules)

    def _entries(self, host: str, hostname: str = "") -> Iterable[Coverage]:
        for name in {host.lower(), hostname.lower()} - {""}:
            yield from self.by_host.get(name, ())
        if self.networks and host:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                return
            for coverage in self.networks:
                if any(address in net for net in coverage.networks if net.version == address.version):
                    yield coverage

    def covers_finding(
        self,
        *,
        tool: str,
        rule_id: str,
        severity: str,
        host: str,
        hostname: str = "",
        port: int | None = None,
        protocol: str = "",
    ) -> bool:
        """Did this import look for this finding where it was? Only then may its absence close it."""
        for coverage in self._entries(host, hostname):
            if not coverage.covers_rule(tool, rule_id, severity):
                continue
            if coverage.ports is None or port is None or coverage.ports.covers(protocol, port):
                return True
        return False

    def covers_service(self, host: str, protocol: str, port: int) -> bool:
        """Was this host's port probed by this import (so a port not seen open is now closed)?"""
        return any(
            c.ports is not None and c.ports.covers(protocol, port) for c in self.by_host.get(host.lower(), ())
        )

    def describe(self) -> dict[str, object]:
        """A short account for the import record: hosts, ports and rules covered."""
        rules = {
            tool: ("all" if names is None else len(names)) for tool, names in sorted(self._rules.items())
        }
        return {
            "hosts": len(self.by_host),
            "networks": sorted({str(n) for c in self.networks for n in c.networks}),
            "ports": sorted(self._ports),
            "rules": rules,
        }
