"""What a scan returns, whichever engine ran it; ``to_dict`` is the JSON the CLI and the app store."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from ..importers import Finding, ServiceObservation
from ..monitor.tls import TLSInfo

BUILTIN = "builtin"
NMAP = "nmap"


@dataclass(frozen=True)
class OpenPort:
    host: str  # the address connected to
    port: int
    protocol: str = "tcp"
    service: str = ""
    banner: str = ""
    tls: TLSInfo | None = None
    headers: dict[str, str] | None = None  # HTTP response headers, names lower-case
    hostname: str = ""  # the name the target was given as, when it was a name
    product: str = ""
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "protocol": self.protocol,
            "service": self.service,
            "banner": self.banner,
            "tls": self.tls.to_dict() if self.tls else None,
            "headers": self.headers,
            "hostname": self.hostname,
            "product": self.product,
            "version": self.version,
        }

    def observation(self, tool: str) -> ServiceObservation:
        return ServiceObservation(
            host=self.host,
            port=self.port,
            protocol=self.protocol,
            state="open",
            hostname=self.hostname,
            service=self.service,
            product=self.product,
            version=self.version,
            tool=tool,
        )


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = asdict(finding)
    data["severity"] = finding.severity.value
    for key in ("cve", "cwe", "references"):
        data[key] = list(data[key])
    return data


@dataclass
class ScanResult:
    engine: str  # "builtin" or "nmap": recorded with the results, as the issue asks
    started: dt.datetime
    finished: dt.datetime
    open: list[OpenPort] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    profile: str = ""
    addresses: tuple[str, ...] = ()
    ports: str = ""  # compact spec of the ports probed
    probed: int = 0  # address × port connections attempted
    total: int = 0
    stopped: str = ""  # "", "cancelled" or "window_closed"
    command: tuple[str, ...] = ()  # nmap's argument list, for the record

    @property
    def cancelled(self) -> bool:
        return self.stopped == "cancelled"

    @property
    def seconds(self) -> float:
        return (self.finished - self.started).total_seconds()

    def open_ports(self) -> set[tuple[str, int]]:
        return {(p.host, p.port) for p in self.open}

    def observations(self) -> list[ServiceObservation]:
        """The open ports in the importers' shape, for the same asset and service inventory."""
        return [p.observation(self.engine) for p in self.open]

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "profile": self.profile,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "seconds": round(self.seconds, 3),
            "addresses": list(self.addresses),
            "ports": self.ports,
            "probed": self.probed,
            "total": self.total,
            "stopped": self.stopped,
            "command": list(self.command),
            "open": [p.to_dict() for p in self.open],
            "findings": [finding_dict(f) for f in self.findings],
            "errors": list(self.errors),
        }
