"""Property-based fuzzing of the template checker on a CI budget (issue #13, adversarial suite).

The property and the generators are ``fuzz/template_checker.py``; this runs them for a few
seconds. A long run: ``python fuzz/template_checker.py --seconds 600`` (see fuzz/README.md).
"""

from __future__ import annotations

from fuzz import template_checker as target
from hypothesis import HealthCheck, given, settings


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(target.bodies())
def test_the_checker_and_the_render_only_ever_refuse(document_xml):
    target.check_one(document_xml)


def test_the_property_catches_a_leak_and_passes_a_refusal():
    """The property can fail: a template printing a Python object's repr is caught, and an
    ordinary refusal (an unknown field) is not a crash."""
    target.check_one(target._document("<w:p><w:r><w:t>{{ nosuch.tpl }}</w:t></w:r></w:p>"))
    # found by the fuzzer: an unknown filter made Jinja's code generator raise past the checker
    target.check_one(target._document("<w:p><w:r><w:t>{{ chart|first.tpl }}</w:t></w:r></w:p>"))
    leak = target._document("<w:p><w:r><w:t>&lt;class 'PosixPath'&gt;</w:t></w:r></w:p>")
    try:
        target.check_one(leak)
    except AssertionError as exc:
        assert "Python object" in str(exc)
    else:
        raise AssertionError("a leaked repr went unnoticed")
