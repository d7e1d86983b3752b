"""The last line of defence: every connection the scanner opens asks the guard first.

The scope check runs once per request; the guard repeats it at each connect against the exact
address list that check approved, so a bug elsewhere (or a caller handing the engine addresses
directly) can never put a packet on the wire for an address outside the authorisation, and a
scan that outlives its time window stops.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Iterable


class OutOfScope(Exception):
    """An address outside the approved list reached the engine; nothing was sent to it."""

    def __init__(self, address: str) -> None:
        super().__init__(f"地址 {address} 不在已批准的扫描地址列表内，已拒绝连接")
        self.address = address


class Guard:
    """Approved addresses (canonical strings) and, optionally, when the authorised window ends."""

    def __init__(self, addresses: Iterable[str], *, until: dt.datetime | None = None) -> None:
        self.addresses = frozenset(str(ipaddress.ip_address(a)) for a in addresses)
        self.until = until
        self._deadline = None
        if until is not None:
            left = (until - dt.datetime.now(dt.UTC)).total_seconds()
            self._deadline = time.monotonic() + left

    def admit(self, address: str) -> None:
        """Raise OutOfScope unless ``address`` is approved; called before every connect."""
        if address in self.addresses:
            return
        try:
            canonical = str(ipaddress.ip_address(address))
        except ValueError:
            raise OutOfScope(address) from None
        if canonical not in self.addresses:
            raise OutOfScope(address)

    def admit_all(self, addresses: Iterable[str]) -> None:
        """Check a whole list before the first packet, so a bad list sends nothing at all."""
        for address in addresses:
            self.admit(address)

    def expired(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def seconds_left(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
