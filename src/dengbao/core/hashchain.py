"""A hash chain over records: each record's hash covers its fields and the previous hash.

SM3 (GB/T 32905) is used when the Python build's OpenSSL offers it, else SHA-256.
The algorithm is stored with every record so that a log written on one machine
verifies on another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def preferred_algorithm() -> str:
    return "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def digest(algorithm: str, data: bytes) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def canonical(fields: Mapping[str, Any]) -> bytes:
    """One byte string for a mapping, independent of key order and database round trips."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(algorithm: str, prev_hash: str, fields: Mapping[str, Any]) -> str:
    return digest(algorithm, prev_hash.encode() + b"\n" + canonical(fields))


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


def verify(records: Iterable[ChainRecord], *, start_seq: int = 1, start_hash: str = GENESIS) -> Break | None:
    """Walk records in sequence order; return the first break, or None if intact.

    A removed record shows as a gap in the sequence or a prev_hash that no longer
    matches; an altered record shows as a hash that no longer matches its fields.
    """
    expected_seq, expected_prev = start_seq, start_hash
    for rec in records:
        if rec.seq != expected_seq:
            return Break(expected_seq, f"record {expected_seq} is missing (next found is {rec.seq})")
        if rec.prev_hash != expected_prev:
            return Break(rec.seq, "previous-hash link does not match the record before it")
        if link(rec.algorithm, rec.prev_hash, rec.fields) != rec.hash:
            return Break(rec.seq, "contents do not match the stored hash (record altered)")
        expected_seq, expected_prev = rec.seq + 1, rec.hash
    return None


def json_roundtrip(value: Any) -> Any:
    """The value as JSON gives it back (tuples become lists, keys become strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
