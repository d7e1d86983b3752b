"""Bounded property-based fuzzing of every importer: only the documented refusal may be raised.

The strategy (mutated samples and random bytes) is fuzz/importers.py's, which runs it for as
long as asked; here each format gets a few seconds.
"""

from __future__ import annotations

import pytest
from fuzz.importers import SEEDS, check, inputs
from hypothesis import HealthCheck, given, settings

from dengbao.core.importers import importers


def test_every_importer_has_seeds():
    assert set(SEEDS) == set(importers())


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_only_the_documented_refusal(fmt):
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(inputs(fmt))
    def fuzz(data: bytes) -> None:
        check(fmt, data)  # raises anything but ImportFormatError

    fuzz()
