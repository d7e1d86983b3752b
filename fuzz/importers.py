"""Fuzzing the scan importers: any input may be refused, but only with ImportFormatError.

A crash is any other exception (or a hang). The inputs are the test samples of each format,
mutated — cut, spliced with random bytes, salted with tokens that broke parsers before
(huge ports, deep brackets, DTDs, NUL bytes, BOMs) — and plain random bytes.

    .venv/bin/python fuzz/importers.py --seconds 600            # every format, 600 s in all
    .venv/bin/python fuzz/importers.py --format nuclei --seconds 60

The bounded CI run is tests/importers/test_fuzz.py (same strategy, a few seconds per format).
A crash found here prints the input's path; add it to tests/importers/hostile.py.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from dengbao.core.importers import ImportFormatError, detect_stream, importers  # noqa: E402

SAMPLES = ROOT / "tests" / "importers" / "samples"
SEEDS = {
    "nmap": ["nmap_hospital.xml"],
    "nessus": ["nessus_hospital.nessus"],
    "nessus-csv": ["nessus_export.csv"],
    "openvas": ["openvas_hospital.xml"],
    "openvas-csv": ["openvas_results.csv"],
    "nuclei": ["nuclei_v3_27.jsonl", "nuclei_portal.jsonl"],
    "zap": ["zap_portal.xml", "zap_wechat.json"],
    "acunetix": ["acunetix_portal.xml"],
    "qualys": ["qualys_scan.xml", "qualys_report.xml"],
    "xray": ["xray_webscan.json"],
    "csv": ["pentest_utf8_bom.csv", "pentest_gb18030.csv", "tool_export_en.csv"],
}
TOKENS = [
    b"99999", b"0", b"-1", b"65536", b"1e999", b"NaN", b"null", b"[]", b"{}", b"[" * 300, b"{" * 300,
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"<![CDATA[", b"]]>", b"&a;", b"&#0;", b"\x00", b"\xff\xfe",
    b"\xef\xbb\xbf", b"\xe9", b"\x81\x30", b'"', b",", b"\n", b"\r\n", b"<", b">", b"</", b"/>",
    b"http://h:0/", b"http://[::1", b"CVE-2021-", b"general/tcp", b"\t",
]  # fmt: skip


def _seed(fmt: str) -> list[bytes]:
    return [(SAMPLES / name).read_bytes() for name in SEEDS[fmt]]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "splice", "token", "repeat", "drop"]))
        if action == "cut":
            del data[at:]
        elif action == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif action == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif action == "repeat":
            end = min(len(data), at + draw(st.integers(1, 400)))
            data[at:at] = data[at:end] * draw(st.integers(1, 3))
        else:
            del data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


def inputs(fmt: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(_seed(fmt)), st.binary(max_size=4096))


def check(fmt: str, data: bytes) -> None:
    """Parse ``data`` as ``fmt`` (and detect its format); anything but ImportFormatError propagates."""
    try:
        for _ in importers()[fmt].parse(io.BytesIO(data), "fuzz"):
            pass
    except ImportFormatError:
        pass
    try:
        detect_stream(io.BytesIO(data))
    except ImportFormatError:
        pass


def run(fmt: str, seconds: float) -> int:
    """Fuzz one format in rounds of 200 inputs until ``seconds`` have passed; 1 on a crash, else 0."""
    deadline = time.monotonic() + seconds
    crashed: list[bytes] = []

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(inputs(fmt))
    def fuzz(data: bytes) -> None:
        try:
            check(fmt, data)
        except Exception:
            crashed.append(data)
            raise

    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        try:
            fuzz()
        except Exception:
            path = Path(tempfile.mkstemp(prefix=f"dengbao-fuzz-{fmt}-", suffix=".bin")[1])
            path.write_bytes(crashed[-1])
            traceback.print_exc()
            print(f"{fmt}: crash, input saved to {path}")
            return 1
    print(f"{fmt}: no crash in {rounds * 200} inputs ({seconds:.0f} s)")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="total time, shared by the formats")
    parser.add_argument("--format", dest="fmt", choices=sorted(SEEDS), help="one format (default: all)")
    args = parser.parse_args()
    formats = [args.fmt] if args.fmt else sorted(SEEDS)
    crashes = sum(run(fmt, args.seconds / len(formats)) for fmt in formats)
    print(f"{crashes} crash(es) in {len(formats)} format(s)")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
