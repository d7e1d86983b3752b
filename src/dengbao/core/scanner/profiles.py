"""Scan profiles: which ports, which technique the authorisation must allow, and which checks run.

Both engines read the same profile, so a quick scan by nmap and by the built-in scanner probe
the same ports and can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ports import compact
from .scope import Technique
from .services import HTTP_PORTS, PORT_NAMES, TLS_PORTS

QUICK_PORTS = compact(sorted(PORT_NAMES))
WEB_PORTS = compact(sorted(HTTP_PORTS | TLS_PORTS | {80, 443}))


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    ports: str
    technique: Technique
    inspect: bool  # banner, TLS and HTTP-header checks on each open port
    nmap_args: tuple[str, ...]


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("quick", "常用端口快速扫描", QUICK_PORTS, Technique.DISCOVERY, False, ("-sT",)),
        Profile("full", "全端口 TCP 扫描", "1-65535", Technique.DISCOVERY, False, ("-sT",)),
        Profile("service", "服务与版本识别", QUICK_PORTS, Technique.VULN_SCAN, True, ("-sT", "-sV")),
        Profile("web", "Web 服务检查", WEB_PORTS, Technique.WEB_SCAN, True, ("-sT", "-sV")),
    )
}


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = "、".join(PROFILES)
        raise ValueError(f"未知的扫描配置“{name}”（可选：{known}）") from None
