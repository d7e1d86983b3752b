"""Parsing a .nessus with 50,000 findings over 2,000 hosts (the parse half of issue 7's import goal:
the whole import, database included, must finish under 60 s and 300 MB peak).

The file is generated into a temp dir with a fixed seed: each host carries host
properties and 25 ReportItems drawn from a pool of plugins with realistic text
(synopsis, description, solution, see_also, CVEs, CVSS, a plugin_output of a few
hundred bytes), about 2.5 KB per item. The parse streams it through
``dengbao.core.importers.parse`` and counts findings; the figures are wall seconds,
findings per second, tracemalloc's peak (a separate run: tracing slows parsing) and
the process's ru_maxrss.

    .venv/bin/python benchmarks/import_nessus_parse.py [--hosts 2000] [--per-host 25]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from dengbao.core.importers import Finding, parse

SEED = 20240305
SERVICES = [
    (22, "ssh"),
    (80, "www"),
    (443, "www"),
    (445, "cifs"),
    (1433, "mssql"),
    (3389, "msrdp"),
    (0, "general"),
]
DESCRIPTION = (
    "The remote service is affected by a vulnerability that allows an unauthenticated attacker to "
    "read or modify data it should not reach. The issue is present in the version reported by the "
    "service banner; the vendor has published an advisory and a fixed release. "
) * 4


def write_nessus(out: TextIO, *, hosts: int, per_host: int, seed: int = SEED) -> int:
    """Write a .nessus v2 report; returns the number of ReportItems written."""
    rnd = random.Random(seed)
    plugins = [
        (
            100000 + i,
            f"Example Product {i % 97} < {i % 13}.{i % 7} Multiple Vulnerabilities",
            rnd.randint(0, 4),
        )
        for i in range(400)
    ]
    out.write(
        '<?xml version="1.0" ?>\n<NessusClientData_v2>\n<Policy><policyName>基准测试</policyName></Policy>\n'
    )
    out.write('<Report name="benchmark" xmlns:cm="http://www.nessus.org/cm">\n')
    written = 0
    for h in range(hosts):
        ip = f"10.{h // 65536 % 256}.{h // 256 % 256}.{h % 256}"
        out.write(f'<ReportHost name="{ip}"><HostProperties>\n')
        out.write(f'<tag name="host-ip">{ip}</tag>\n<tag name="host-fqdn">host{h}.hospital.local</tag>\n')
        out.write('<tag name="HOST_START">Tue Mar  5 10:01:02 2024</tag>\n</HostProperties>\n')
        for plugin_id, name, severity in rnd.sample(plugins, per_host):
            port, svc = rnd.choice(SERVICES)
            cves = "".join(
                f"<cve>CVE-20{rnd.randint(10, 24)}-{rnd.randint(1000, 49999)}</cve>" for _ in range(3)
            )
            out.write(
                f'<ReportItem port="{port}" svc_name="{svc}" protocol="tcp" severity="{severity}" '
                f'pluginID="{plugin_id}" pluginName={quoteattr(name)} pluginFamily="General">\n'
                f"{cves}<cvss3_base_score>{rnd.uniform(0, 10):.1f}</cvss3_base_score>"
                "<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector>\n"
                f"<description>{escape(DESCRIPTION)}</description>\n"
                "<see_also>https://www.example.com/advisory\nhttps://nvd.nist.gov/</see_also>\n"
                "<solution>Upgrade to the fixed release or apply the vendor's workaround.</solution>\n"
                f"<synopsis>The remote host is affected by {escape(name)}.</synopsis>\n"
                f"<plugin_output>Installed version : {rnd.randint(1, 9)}.{rnd.randint(0, 99)}\n"
                f"Fixed version : 9.9\nScanned at {rnd.randint(0, 10**9)} (volatile)\n"
                f"{'x' * rnd.randint(100, 400)}</plugin_output>\n</ReportItem>\n"
            )
            written += 1
        out.write("</ReportHost>\n")
    out.write("</Report>\n</NessusClientData_v2>\n")
    return written


def count_findings(path: Path) -> int:
    return sum(1 for record in parse(path, "nessus") if isinstance(record, Finding))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--per-host", type=int, default=25)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "benchmark.nessus"
        started = time.perf_counter()
        with open(path, "w", encoding="utf-8") as out:
            written = write_nessus(out, hosts=args.hosts, per_host=args.per_host)
        generated = time.perf_counter() - started

        started = time.perf_counter()
        found = count_findings(path)
        seconds = time.perf_counter() - started
        assert found == written, (found, written)

        tracemalloc.start()
        count_findings(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures = {
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "hosts": args.hosts,
            "findings": found,
            "generate_s": round(generated, 2),
            "parse_s": round(seconds, 2),
            "findings_per_s": round(found / seconds),
            "tracemalloc_peak_mb": round(peak / 2**20, 2),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
