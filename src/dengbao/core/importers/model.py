"""The one Finding type every importer produces, the nmap service observation, and the
records that say what a file covered and what was skipped.

Parsers fill these from very different files; everything downstream (dedup, the
findings lifecycle, reports) only ever sees these shapes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from .coverage import Coverage, Incomplete


class Severity(StrEnum):
    """The platform's one severity scale; values are what users see."""

    CRITICAL = "严重"
    HIGH = "高"
    MEDIUM = "中"
    LOW = "低"
    INFO = "信息"

    @property
    def rank(self) -> int:
        """4 for 严重 down to 0 for 信息, for sorting and thresholds."""
        return _RANK[self]


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


@dataclass(frozen=True, slots=True)
class Finding:
    """One weakness on one place (host/port or URL/parameter), as a tool reported it."""

    title: str
    severity: Severity
    raw_severity: str  # the tool's own value: "3", "High", "critical", "7.5"
    tool: str  # "nessus", "openvas", "nmap", "nuclei", "zap", "csv" or the CSV's 工具 column
    tool_rule_id: str  # plugin id / NVT OID / template id / ZAP plugin id / script id
    dedup_key: str  # see dedup_key(); equal keys mean "the same finding"
    host: str = ""  # IP address, or a name when the tool gave no address
    hostname: str = ""
    port: int | None = None
    protocol: str = ""  # "tcp", "udp", or "" when unknown
    url: str = ""
    parameter: str = ""  # the web parameter (ZAP param, CSV 参数)
    service: str = ""  # "www", "ssh", "general"
    cve: tuple[str, ...] = ()
    cwe: tuple[int, ...] = ()
    cvss_score: float | None = None
    cvss_vector: str = ""
    description: str = ""
    evidence: str = ""  # volatile tool output: plugin_output, matched text, attack
    steps: str = ""  # steps to reproduce (pen-test findings)
    solution: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceObservation:
    """One port seen in a discovery scan, for the asset and service inventory."""

    host: str
    port: int
    protocol: str
    state: str  # "open", "filtered", "closed", "open|filtered"
    hostname: str = ""
    service: str = ""  # nmap's service name: "ssh", "http"
    product: str = ""
    version: str = ""
    extra: str = ""  # nmap's extrainfo
    cpe: tuple[str, ...] = ()
    tool: str = "nmap"


@dataclass(frozen=True, slots=True)
class RecordWarning:
    """A record the importer skipped or shortened; the import goes on and the result lists it, numbered."""

    reason: str
    where: str = ""  # "第 12 行", "元素 /SCAN/IP[3]"

    def text(self) -> str:
        return f"{self.where}：{self.reason}" if self.where else self.reason


Record = Finding | ServiceObservation | RecordWarning | Coverage | Incomplete


def dedup_key(tool: str, rule_id: str, *parts: object) -> str:
    """A stable identity for a finding, built only from fields that do not change between scans.

    Callers pass the tool, its rule id and the place (host, port, protocol, URL without
    query values, parameter). Volatile text (timestamps, plugin_output, matched data)
    must never be passed: a re-export of the same scan has to give the same key.
    """
    text = "\x1f".join([tool, rule_id, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
