"""Every built-in Linux rule judged on a hardened host and on a weak one (fixtures/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dengbao.core.collect import State, evaluate, load_rules, propose
from dengbao.core.collect.scripts import linux

FIXTURES = Path(__file__).parent / "fixtures"


def _artefacts(name: str) -> dict[str, str]:
    found = {p.stem: p.read_text(encoding="utf-8") for p in (FIXTURES / name).glob("*.txt")}
    return {command: found.get(command, "") for command, _ in linux.COMMANDS}


@pytest.fixture(scope="module")
def rules():
    return load_rules(platform="linux")


def test_every_rule_reads_only_what_the_script_collects(rules):
    collected = {name for name, _ in linux.COMMANDS}
    assert {a for r in rules for a in r.artefacts} <= collected


def test_a_hardened_host_passes_every_rule(rules):
    results = evaluate(rules, _artefacts("hardened"))
    assert len(results) >= 40
    assert [(r.rule.id, r.sentence) for r in results if r.state is not State.PASS] == []
    proposals = propose(results, level="L3")
    assert {p.result for p in proposals} == {"符合"}
    assert len(proposals) >= 25


def test_a_weak_host_fails_every_rule_with_its_evidence(rules):
    results = evaluate(rules, _artefacts("weak"))
    assert [(r.rule.id, r.state.value, r.sentence) for r in results if r.state is not State.FAIL] == []
    assert all(r.evidence for r in results)
    proposals = {p.unit: p for p in propose(results, level="L3")}
    assert {p.result for p in proposals.values()} == {"不符合"}
    note = proposals["L3-CES1-01"].note
    assert "PASS_MAX_DAYS 为 99999" in note and "存在空口令账户：guest" in note
    assert "UID 为 0 的账户有：root、toor" in proposals["L3-CES1-08"].note
    assert "开放了高危端口：21、111" in proposals["L3-CES1-18"].note


def test_l2_units_follow_the_same_rules(rules):
    proposals = propose(evaluate(rules, _artefacts("weak")), level="L2")
    assert {p.unit for p in proposals} >= {"L2-CES1-01", "L2-CES1-02", "L2-CES1-08", "L2-CES1-16"}
