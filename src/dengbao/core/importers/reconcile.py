"""What a re-import means for the findings already stored: new, still there, gone, back.

The database layer passes the dedup keys it holds for the same tool and scope with a
coarse state, and the keys of the new scan; it applies the answer in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Prior(StrEnum):
    """How a stored finding takes part in a re-import.

    ACTIVE: open, confirmed, reopened, fixed-pending-verification — closes when absent.
    CLOSED: fixed (closed by a scan) or verified fixed — reopens when seen again.
    SUPPRESSED: false positive, risk accepted — a human decided; scans change nothing.
    """

    ACTIVE = "active"
    CLOSED = "closed"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    new: frozenset[str]  # not stored before: create
    still_present: frozenset[str]  # active and seen again: update last-seen
    disappeared: frozenset[str]  # active and not seen: close as fixed (pending verification)
    reopened: frozenset[str]  # closed and seen again: reopen
    suppressed_seen: frozenset[str]  # false positive / accepted and seen again: leave alone
    duplicates: int  # repeats of a key within the current scan


def reconcile(previous: Mapping[str, Prior | str], current: Iterable[str]) -> Reconciliation:
    """Compare the stored findings (key → state) with the keys of the scan being imported.

    ``current`` may repeat keys (one file can report the same finding twice); repeats
    are counted, not treated as new findings.
    """
    seen: set[str] = set()
    duplicates = 0
    for key in current:
        if key in seen:
            duplicates += 1
        seen.add(key)
    states = {key: Prior(state) for key, state in previous.items()}
    by_state: dict[Prior, set[str]] = {state: set() for state in Prior}
    for key, state in states.items():
        by_state[state].add(key)
    return Reconciliation(
        new=frozenset(seen - states.keys()),
        still_present=frozenset(seen & by_state[Prior.ACTIVE]),
        disappeared=frozenset(by_state[Prior.ACTIVE] - seen),
        reopened=frozenset(seen & by_state[Prior.CLOSED]),
        suppressed_seen=frozenset(seen & by_state[Prior.SUPPRESSED]),
        duplicates=duplicates,
    )
