"""Each tool's severity mapped onto the platform's one scale (严重/高/中/低/信息).

The tables are data so the user guide can print them and a reviewer can check them
against each tool's documentation in one place.
"""

from __future__ import annotations

from .model import Severity

# Nessus ReportItem@severity: 0 info, 1 low, 2 medium, 3 high, 4 critical.
NESSUS = {
    "0": Severity.INFO,
    "1": Severity.LOW,
    "2": Severity.MEDIUM,
    "3": Severity.HIGH,
    "4": Severity.CRITICAL,
}

# OWASP ZAP riskcode: 0 informational, 1 low, 2 medium, 3 high. ZAP has no critical.
ZAP = {"0": Severity.INFO, "1": Severity.LOW, "2": Severity.MEDIUM, "3": Severity.HIGH}

# Nuclei info.severity; "unknown" is a template without a rating.
NUCLEI = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
    "unknown": Severity.INFO,
}

# Words accepted in a CSV's 严重程度 column (compared after casefold and strip).
WORDS = {
    Severity.CRITICAL: ("严重", "危急", "紧急", "超危", "critical", "crit", "urgent"),
    Severity.HIGH: ("高", "高危", "高风险", "high", "h"),
    Severity.MEDIUM: ("中", "中危", "中风险", "medium", "moderate", "med", "m"),
    Severity.LOW: ("低", "低危", "低风险", "low", "l"),
    Severity.INFO: ("信息", "提示", "信息性", "info", "informational", "information", "none", "note", "log"),
}
_BY_WORD = {word: severity for severity, words in WORDS.items() for word in words}
_BY_WORD.update({s.value: s for s in Severity})


def from_cvss(score: float) -> Severity:
    """CVSS v3 qualitative bands: 0 none (信息), 0.1–3.9 低, 4.0–6.9 中, 7.0–8.9 高, 9.0–10 严重.

    Used for OpenVAS/Greenbone severities, nmap vulners scores and CSV rows that give
    only a CVSS score. Greenbone's own "High" starts at 7.0 too, and its log, false
    positive and error results (score 0 or negative) are 信息.
    """
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def from_word(word: str) -> Severity | None:
    """A severity word in Chinese or English (严重/高危/High/...), or None when unknown."""
    return _BY_WORD.get(word.strip().casefold())
