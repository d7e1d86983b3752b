"""Offline OCR of a 1920×1080 screenshot: the median of N runs (goal < 5 s on this machine's CPU).

Pure core (no database). The screenshot is the password-policy dialog the tests draw
(tests/ocr/screenshot.py, with the machine's Noto CJK font). The engine is loaded once before the
timed runs (a server process keeps it loaded); its load time is printed apart. Each run includes
the image checks and decoding, as an evidence upload's background job does.

    .venv/bin/python benchmarks/ocr.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.ocr.screenshot import policy_dialog_png  # noqa: E402

from dengbao.core import ocr  # noqa: E402

GOAL_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    png = policy_dialog_png()
    start = time.perf_counter()
    if not ocr.available():
        sys.exit(f"OCR engine not installed: {ocr.INSTALL_HINT}")
    print(f"engine load: {time.perf_counter() - start:.2f} s")
    times, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = ocr.read_text(png)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median = statistics.median(times)
    print(f"1920×1080 screenshot, {len(result.lines)} lines, confidence {result.confidence:.3f}")
    print("runs: " + ", ".join(f"{t:.2f}" for t in times) + " s")
    # CPU seconds of this process (every thread): what the work costs, whatever else shares the machine
    print(f"CPU time per run (median): {statistics.median(cpu):.2f} s on {os.cpu_count()} cores")
    print("load average: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    verdict = "met" if median < GOAL_SECONDS else "NOT met"
    print(f"median of {args.runs}: {median:.2f} s (goal < {GOAL_SECONDS:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
