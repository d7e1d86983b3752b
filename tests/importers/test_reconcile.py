"""Re-import transitions: new, still present, disappeared, came back, left alone."""

from __future__ import annotations

from dengbao.core.importers import Finding, Prior, reconcile

from .conftest import SAMPLES, findings


def test_transitions():
    previous = {"a": Prior.ACTIVE, "b": Prior.ACTIVE, "c": Prior.CLOSED, "d": Prior.CLOSED, "e": "suppressed"}
    result = reconcile(previous, ["a", "c", "e", "n", "n", "a"])
    assert result.new == {"n"}
    assert result.still_present == {"a"}
    assert result.disappeared == {"b"}
    assert result.reopened == {"c"}
    assert result.suppressed_seen == {"e"}
    assert result.duplicates == 2


def test_first_import_and_empty_rescan():
    first = reconcile({}, ["x", "y"])
    assert (first.new, first.disappeared, first.duplicates) == ({"x", "y"}, frozenset(), 0)
    empty = reconcile({"x": Prior.ACTIVE, "y": Prior.CLOSED}, [])
    assert (empty.disappeared, empty.reopened, empty.new) == ({"x"}, frozenset(), frozenset())


def test_rescan_of_the_nessus_sample_after_fixes(tmp_path):
    """A later scan where MS17-010 was patched and the ICMP finding (closed earlier) is back."""
    first = findings(SAMPLES / "nessus_hospital.nessus")
    text = (SAMPLES / "nessus_hospital.nessus").read_text(encoding="utf-8")
    start = text.index('<ReportItem port="445"')
    later = tmp_path / "later.nessus"
    later.write_text(
        text[:start] + text[text.index("</ReportItem>", start) + len("</ReportItem>") :], encoding="utf-8"
    )
    ms17 = next(f for f in first if f.tool_rule_id == "97833").dedup_key
    icmp = next(f for f in first if f.tool_rule_id == "10114").dedup_key
    stored: dict[str, Prior] = {f.dedup_key: Prior.ACTIVE for f in first}
    stored[icmp] = Prior.CLOSED
    result = reconcile(stored, (f.dedup_key for f in findings(later) if isinstance(f, Finding)))
    assert result.disappeared == {ms17}
    assert result.reopened == {icmp}
    assert result.new == frozenset()
    assert len(result.still_present) == 14 and result.duplicates == 1
