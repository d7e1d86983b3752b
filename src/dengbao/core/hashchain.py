"""A keyed hash chain over records: each record's link is an HMAC over its fields and the previous link.

The key is not in the database (see ``dengbao.audit.keys``), so someone who can write the
database but does not hold the key cannot alter, remove or re-link a record without the
chain failing verification at that record. HMAC-SM3 (GB/T 32905) is used when the Python
build's OpenSSL offers SM3, else HMAC-SHA256. The algorithm is stored with every record
(``hmac-sm3`` / ``hmac-sha256``) so that a log written on one machine verifies on another.

The plain (unkeyed) algorithms ``sm3`` / ``sha256`` are what chains were written with
before keys; ``verify`` accepts them only when asked to (the one-time re-keying reads an
old chain with them), never in a normal verification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
KEYED_PREFIX = "hmac-"
KEY_BYTES = 32
_ANCHOR = re.compile(r"(\d{1,18}):([0-9a-f]{64})")


class ChainKeyError(ValueError):
    """The key is missing, malformed, or not the key the chain was written with."""


def preferred_digest() -> str:
    return "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def preferred_algorithm() -> str:
    """The algorithm new records are linked with: HMAC over SM3 where available."""
    return KEYED_PREFIX + preferred_digest()


def is_keyed(algorithm: str) -> bool:
    return algorithm.startswith(KEYED_PREFIX)


def digest(algorithm: str, data: bytes) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def canonical(fields: Mapping[str, Any]) -> bytes:
    """One byte string for a mapping, independent of key order and database round trips."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(algorithm: str, prev_hash: str, fields: Mapping[str, Any], key: bytes | None = None) -> str:
    """The link of one record. Keyed algorithms need ``key``; the algorithm name is covered too."""
    if is_keyed(algorithm):
        if not key:
            raise ChainKeyError("a keyed chain link needs the key")
        message = algorithm.encode() + b"\n" + prev_hash.encode() + b"\n" + canonical(fields)
        return hmac.new(key, message, algorithm[len(KEYED_PREFIX) :]).hexdigest()
    return digest(algorithm, prev_hash.encode() + b"\n" + canonical(fields))


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key, kept with the chain to tell a wrong key from tampering."""
    return hmac.new(key, b"dengbao audit key id", "sha256").hexdigest()[:16]


def parse_key(text: str) -> bytes:
    """A key file holds the key as hexadecimal (64 digits for the 32 random bytes written)."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ChainKeyError("the audit key file is not hexadecimal") from None
    if len(key) < 16:
        raise ChainKeyError("the audit key file holds fewer than 16 bytes")
    return key


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed by ``dengbao audit anchor``."""
    match = _ANCHOR.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError("an anchor is SEQ:HASH, e.g. 1234:<64 hexadecimal digits>")
    return int(match.group(1)), match.group(2)


def format_anchor(seq: int, hash_: str) -> str:
    return f"{seq}:{hash_}"


@dataclass(frozen=True)
class ChainRecord:
    seq: int
    prev_hash: str
    hash: str
    algorithm: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(
    records: Iterable[ChainRecord],
    *,
    key: bytes | None = None,
    start_seq: int = 1,
    start_hash: str = GENESIS,
    allow_unkeyed: bool = False,
) -> Break | None:
    """Walk records in sequence order; return the first break, or None if intact.

    A removed record shows as a gap in the sequence or a prev_hash that no longer
    matches; an altered or re-linked record shows as a link that does not match its
    fields under the key. A record with an unkeyed algorithm is a break unless
    ``allow_unkeyed`` (only the re-keying of an old chain reads those).
    """
    expected_seq, expected_prev = start_seq, start_hash
    for rec in records:
        if rec.seq != expected_seq:
            return Break(expected_seq, f"record {expected_seq} is missing (next found is {rec.seq})")
        if rec.prev_hash != expected_prev:
            return Break(rec.seq, "previous-hash link does not match the record before it")
        if not is_keyed(rec.algorithm) and not allow_unkeyed:
            return Break(
                rec.seq, f"record is not keyed (algorithm {rec.algorithm!r}; re-linked without the key?)"
            )
        try:
            expected = link(rec.algorithm, rec.prev_hash, rec.fields, key)
        except ValueError:  # an unknown algorithm name, or no key for a keyed record
            return Break(rec.seq, f"unknown algorithm {rec.algorithm!r} or no key")
        if not hmac.compare_digest(expected, rec.hash):
            return Break(rec.seq, "contents do not match the stored keyed hash (record altered or re-linked)")
        expected_seq, expected_prev = rec.seq + 1, rec.hash
    return None


def json_roundtrip(value: Any) -> Any:
    """The value as JSON gives it back (tuples become lists, keys become strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
