"""Streaming: a ~30 MB report parses with a peak far below the file's size (no timing asserted)."""

from __future__ import annotations

import json
import tracemalloc

from benchmarks.import_nessus_parse import write_nessus

from dengbao.core.importers import Finding, parse

PEAK_BOUND = 8 * 2**20  # bytes; the whole file held as text or elements would be several times 30 MB


def _peak(path, fmt) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for r in parse(path, fmt) if isinstance(r, Finding))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_30_mb_nessus_in_bounded_memory(tmp_path):
    path = tmp_path / "big.nessus"
    with open(path, "w", encoding="utf-8") as out:
        written = write_nessus(out, hosts=600, per_host=25)
    assert path.stat().st_size > 29 * 2**20
    count, peak = _peak(path, "nessus")
    assert count == written == 15_000
    assert peak < PEAK_BOUND, peak


def test_large_zap_json_is_walked_alert_by_alert(tmp_path):
    alert = {
        "pluginid": "10038",
        "alert": "CSP Header Not Set",
        "riskcode": "2",
        "desc": "<p>" + "x" * 1500 + "</p>",
        "instances": [{"uri": "https://portal.hospital.example/p", "method": "GET", "param": ""}],
    }
    path = tmp_path / "big.json"
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"@programName": "ZAP", "site": [{"@name": "https://portal.hospital.example", "alerts": [')
        for i in range(8000):
            alert["instances"][0]["uri"] = f"https://portal.hospital.example/p{i}"
            out.write(("," if i else "") + json.dumps(alert))
        out.write("]}]}")
    assert path.stat().st_size > 12 * 2**20
    count, peak = _peak(path, "zap")
    assert count == 8000
    assert peak < PEAK_BOUND, peak
