"""When and with what a scan ran, read from the scanner's own output (not the import time).

Nessus writes it into every host's "Nessus Scan Information" item (plugin 19506): the engine version,
the start of the host's scan and its duration. The earliest start and the latest end over the hosts
give the scan's span. Tools that state nothing of the kind give empty values, which the report
prints as not stated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

# rule ids of the items carrying scan information, per tool (Finding.tool / Import.fmt)
INFO_RULES: dict[str, tuple[str, ...]] = {"nessus": ("19506",), "nessus_csv": ("19506",)}
TOOL_NAMES: dict[str, str] = {
    "nessus": "Tenable Nessus",
    "nessus_csv": "Tenable Nessus",
    "openvas": "OpenVAS / Greenbone",
    "openvas_csv": "OpenVAS / Greenbone",
    "nmap": "Nmap",
    "nuclei": "Nuclei",
    "zap": "OWASP ZAP",
    "xray": "xray",
    "acunetix": "Acunetix",
    "qualys": "Qualys",
}

_VERSION = re.compile(r"Nessus version\s*:\s*([\w.\-]+)")
_START = re.compile(r"Scan Start Date\s*:\s*(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2})")
_DURATION = re.compile(r"Scan duration\s*:\s*(\d+)\s*sec")


@dataclass(frozen=True)
class RunInfo:
    version: str = ""
    started: dt.datetime | None = None  # in the scanner's own local time, as the file states it
    finished: dt.datetime | None = None


def run_info(outputs: Iterable[str]) -> RunInfo:
    """The version and the span of a scan from its hosts' scan-information outputs."""
    versions: set[str] = set()
    starts: list[dt.datetime] = []
    ends: list[dt.datetime] = []
    for text in outputs:
        if match := _VERSION.search(text or ""):
            versions.add(match.group(1))
        if match := _START.search(text or ""):
            year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
            start = dt.datetime(year, month, day, hour, minute)
            starts.append(start)
            if duration := _DURATION.search(text):
                ends.append(start + dt.timedelta(seconds=int(duration.group(1))))
    return RunInfo(
        version="、".join(sorted(versions)),
        started=min(starts) if starts else None,
        finished=max(ends) if ends else None,
    )


def tool_name(fmt: str) -> str:
    return TOOL_NAMES.get(fmt, fmt)


def cn_minute(moment: dt.datetime | None) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}" if moment else ""
