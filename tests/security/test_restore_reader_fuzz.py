"""Property-based fuzzing of the restore reader on a CI budget (issue #13, adversarial suite).

The property and the generators are ``fuzz/restore_reader.py``: any archive, valid,
mutated or random, is either read into the staging folder exactly as its manifest says
or refused with ArchiveError / BoundsError, never anything else, never a file outside
staging. A long run: ``python fuzz/restore_reader.py --seconds 600`` (fuzz/README.md).
"""

from __future__ import annotations

import gzip

import pytest
from fuzz import restore_reader as target
from hypothesis import HealthCheck, given, settings


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(target.archives())
def test_the_restore_reader_only_ever_refuses(data):
    target.check_one(data)


def test_the_property_can_fail():
    """A reader that crashed would not pass: a bare exception type outside the refusals escapes."""
    target.check_one(b"not gzip at all")  # refused: fine
    with pytest.raises(AssertionError):
        original = target.bm.unpack_checked

        def leaky(archive, staging, **kwargs):
            (staging.parent / "escaped").write_bytes(b"x")
            return original(archive, staging, **kwargs)

        target.bm.unpack_checked = leaky
        try:
            target.check_one(gzip.compress(b"\0" * 1024))
        finally:
            target.bm.unpack_checked = original
