"""Device configurations: reading (decode, clean, parse, mask) and evaluating many of them.

Pure core. Reads each fixture configuration N times from its bytes, as an import does, and
evaluates that vendor's rules; also one large configuration (the hardened Huawei file with
2,000 extra interfaces, like a chassis switch) to show the reader stays linear.

    .venv/bin/python benchmarks/collect_devices.py [--configs 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from dengbao.core.collect import evaluate, load_rules  # noqa: E402
from dengbao.core.collect.inputs import read_any  # noqa: E402

FIXTURES = ROOT / "tests" / "collect" / "fixtures" / "devices"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", type=int, default=100)
    args = parser.parse_args()
    files = sorted(FIXTURES.glob("*.cfg"))
    blobs = [(f.name, f.read_bytes()) for f in files]
    load_rules()  # parse the YAML once, as a running server has
    start = time.perf_counter()
    results = 0
    for n in range(args.configs):
        name, data = blobs[n % len(blobs)]
        bundle = read_any(name, data)
        results += len(evaluate(load_rules(platform=bundle.platform), bundle.artefacts))
    took = time.perf_counter() - start
    print(f"{args.configs} configurations read and evaluated ({results} rule results): {took:.2f} s")
    big = (FIXTURES / "huawei-hardened.cfg").read_text(encoding="utf-8")
    extra = "".join(
        f"interface GigabitEthernet{n // 48}/0/{n % 48}\n description 接入端口 {n}\n"
        " port link-type access\n#\n"
        for n in range(2000)
    )
    data = big.replace("return\n", extra + "return\n").encode("utf-8")
    start = time.perf_counter()
    bundle = read_any("big.cfg", data)
    evaluate(load_rules(platform=bundle.platform), bundle.artefacts)
    took = time.perf_counter() - start
    lines = data.count(b"\n")
    print(f"one configuration of {len(data) // 1024} KiB ({lines} lines): {took:.2f} s")


if __name__ == "__main__":
    main()
