"""Property-based fuzzing of collection on a CI budget: the condition language, the rules loader,
the bundle reader only ever refuse with their documented errors (``fuzz/collect_rules.py``)."""

from __future__ import annotations

import pytest
from fuzz import collect_rules as target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BUDGET = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@BUDGET
@given(
    st.lists(st.sampled_from(target.WORDS), max_size=12).map(" ".join) | st.text(max_size=30),
    st.dictionaries(st.sampled_from(["A", "B"]), target.VALUES),
)
def test_conditions_parse_or_refuse_and_never_crash(text, values):
    target.check_expr(text, values)


@BUDGET
@given(target.rule_texts(), st.text(max_size=40))
def test_rules_files_load_or_refuse(text, artefact):
    target.check_rules(text, artefact)


@BUDGET
@given(target.bundles())
def test_bundles_read_or_refuse(data):
    target.check_bundle(data)


def test_the_properties_can_fail():
    """An error other than the documented refusal escapes the property."""
    original = target.read_bundle

    def broken(data):
        raise KeyError("boom")

    target.read_bundle = broken
    try:
        with pytest.raises(KeyError):
            target.check_bundle(b"x")
    finally:
        target.read_bundle = original
