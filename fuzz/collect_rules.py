"""Fuzzing collection: the condition language, the rules loader and the bundle reader.

Three properties, each with its only allowed refusal:

- ``expr``: any text parses or raises ``ExprError``; a parsed condition evaluates over any
  extracted values (text, numbers, lists, missing) without raising;
- ``rules``: any YAML text (generated rule-shaped mappings with random field values, and
  random text) loads or raises ``RuleError``; a loaded rule evaluates over random artefacts;
- ``bundle``: a valid bundle mutated at the gzip, tar or manifest level, or random bytes,
  reads or raises ``BundleError``.

    .venv/bin/python fuzz/collect_rules.py --seconds 600

The bounded CI run is tests/security/test_collect_fuzz.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
import time
import warnings
import zipfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from dengbao.core.collect import (  # noqa: E402
    BundleError,
    evaluate,
    expr,
    read_bundle,
)
from dengbao.core.collect.ruleset import RuleError, parse_rules  # noqa: E402

WORDS = ["A", "B", "and", "or", "not", "(", ")", ",", "==", "!=", "<", "<=", ">", ">=", "matches",
         "contains", "in", "all", "any", "defined", "count", "lower", "int", "1", "-2", "3.5", '"x"', "'y'",
         '"(["', "true", "none", "__import__", ".", "[", "\\", '"a\\"b"']  # fmt: skip
VALUES = st.one_of(
    st.none(), st.text(max_size=8), st.integers(-5, 100).map(str), st.lists(st.text(max_size=4), max_size=3)
)


def check_expr(text: str, values: dict) -> None:
    try:
        tree = expr.parse(text)
    except expr.ExprError:
        return
    expr.evaluate(tree, values)


FIELDS = ["id", "title", "platform", "artefacts", "extract", "condition", "expected", "units", "pass", "fail",
          "remediation", "references", "na_if", "colour"]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=20),
    st.sampled_from(["linux", "t.rule", "L3-CES1-01", "A >= 1", "{A}", "[a]", "{regex: '(x'}"]),
)


@st.composite
def rule_texts(draw) -> str:
    rule = {
        "id": "t.rule",
        "title": "t",
        "platform": "linux",
        "artefacts": ["a"],
        "extract": {"A": {"regex": "v=(\\d+)"}},
        "condition": "A >= 1",
        "expected": "1",
        "units": {"L3": ["L3-CES1-01"]},
        "pass": "{A}",
        "fail": "{A}",
        "remediation": "r",
    }
    for _ in range(draw(st.integers(0, 4))):
        field = draw(st.sampled_from(FIELDS))
        rule[field] = draw(
            st.one_of(
                SCALARS,
                st.lists(SCALARS, max_size=3),
                st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), SCALARS, max_size=3),
                st.just({"A": {"regex": "(", "many": "x"}}),
                st.just({"L9": ["L9-X-1"], "L3": "L3-CES1-99"}),
            )
        )
    text = yaml.safe_dump([rule], allow_unicode=True)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=10)) + text[cut:]
    return text


def check_rules(text: str, artefact: str) -> None:
    try:
        rules = parse_rules(text, filename="f.yaml")
    except RuleError:
        return
    evaluate(rules, {"a": artefact})


def _bundle(entries: list[tuple[str, bytes]], manifest: object, kind: str = "tar") -> bytes:
    out = io.BytesIO()
    if kind == "zip":  # Windows hosts without tar.exe
        with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            warnings.simplefilter("ignore")  # a duplicate name is one of the cases drawn
            for name, data in [*entries, ("manifest.json", json.dumps(manifest).encode())]:
                archive.writestr(name, data)
        return out.getvalue()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in [*entries, ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@st.composite
def bundles(draw) -> bytes:
    entries = [(f"out/{n}.txt", draw(st.binary(max_size=50))) for n in range(draw(st.integers(0, 3)))]
    commands = [
        {"name": str(n), "file": name, "sha256": hashlib.sha256(data).hexdigest(), "rc": 0}
        for n, (name, data) in enumerate(entries)
    ]
    for _ in range(draw(st.integers(0, 2))):
        commands.append(draw(st.dictionaries(st.sampled_from(["name", "file", "sha256", "rc"]), SCALARS)))
    manifest = draw(
        st.sampled_from([{"commands": commands}, {"commands": "x"}, [], {"host": 1, "commands": []}])
    )
    names = [n for n, _ in entries] + ["../x", "/abs", "a/manifest.json"]
    if draw(st.booleans()):
        entries.append((draw(st.sampled_from(names)), b"z"))
    data = _bundle(entries, manifest, draw(st.sampled_from(["tar", "zip"])))
    mode = draw(st.integers(0, 3))
    if mode == 1:  # flip a byte
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]
    elif mode == 2:  # truncate
        data = data[: draw(st.integers(0, len(data)))]
    elif mode == 3:
        data = draw(st.binary(max_size=200))
    return data


def check_bundle(data: bytes) -> None:
    try:
        read_bundle(data)
    except BundleError:
        return


def run(examples: int) -> None:
    quiet = settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    text = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join) | st.text(max_size=30)
    quiet(given(text, st.dictionaries(st.sampled_from(["A", "B"]), VALUES))(check_expr))()
    quiet(given(rule_texts(), st.text(max_size=40))(check_rules))()
    quiet(given(bundles())(check_bundle))()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    end, batches = time.monotonic() + args.seconds, 0
    while time.monotonic() < end:
        run(200)
        batches += 1
        print(f"{batches * 200} examples per property", flush=True)


if __name__ == "__main__":
    main()
