"""Writing to the audit log. Every service that changes data calls ``record``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from dengbao.core import hashchain

from . import context, keys
from .models import AuditEvent, AuditHead

if TYPE_CHECKING:
    from dengbao.accounts.models import User


def _describe(obj: models.Model | None) -> tuple[str, str, str, int | None]:
    if obj is None:
        return "", "", "", None
    project_id = None
    if obj._meta.label == "accounts.Project":
        project_id = obj.pk
    elif hasattr(obj, "project_id"):
        project_id = obj.project_id
    return obj._meta.label_lower, str(obj.pk), str(obj)[:200], project_id


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    outcome: str = "ok",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str = "",
    project: models.Model | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    Runs inside the caller's transaction when there is one, so an action and its
    audit record commit or roll back together.
    """
    object_type, object_id, object_repr, project_id = _describe(obj)
    if project is not None:
        project_id = project.pk
    payload: dict[str, Any] = dict(details or {})
    if before is not None:
        payload["before"] = before
    if after is not None:
        payload["after"] = after
    origin = context.current()
    if origin.channel not in ("web",):
        payload.setdefault("channel", origin.channel)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": hashchain.GENESIS}
        )
        key = _writing_key(head)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_name=actor_name or (actor.get_username() if actor is not None else ""),
            ip=origin.ip,
            action=action,
            outcome=outcome,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            project_id=project_id,
            details=payload,
            algorithm=hashchain.preferred_algorithm(),
            prev_hash=head.hash,
        )
        # Round-trip the JSON so the hash covers what the database will give back.
        event.details = hashchain.json_roundtrip(event.details)
        event.hash = hashchain.link(event.algorithm, event.prev_hash, event.chain_fields(), key)
        event.save()
        AuditHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash, key_id=hashchain.key_id(key))
    return event


def _writing_key(head: AuditHead) -> bytes:
    """The key to link the next record with.

    An empty chain (first start) gets a key created if there is none; a chain already
    keyed needs its own key back: a missing or different key file stops writing rather
    than starting a second, unverifiable chain.
    """
    if head.seq == 0 or not head.key_id:
        return keys.load(create=True)
    key = keys.load()
    keys.check(key, head.key_id)
    return key


def _chain_records(progress: Callable[[int], None] | None = None) -> Iterator[hashchain.ChainRecord]:
    done = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield hashchain.ChainRecord(
            seq=event.seq,
            prev_hash=event.prev_hash,
            hash=event.hash,
            algorithm=event.algorithm,
            fields=event.chain_fields(),
        )
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(1000)
    if progress is not None and done % 1000:
        progress(done % 1000)


def verify(
    progress: Callable[[int], None] | None = None, *, anchor: tuple[int, str] | None = None
) -> tuple[int, hashchain.Break | None]:
    """Check the whole chain under the key. Returns (records checked, first break or None).

    Raises ``keys.AuditKeyError`` when records exist and the key file is missing or is
    not the chain's key. Also checks that the record the head row names is still there
    with its hash, so that removing the last records is noticed, and, given an
    ``anchor`` (seq, hash) kept elsewhere, that the chain still holds it. The head is
    read before the last record: events appended meanwhile lie beyond the head and are
    no false alarm. ``progress`` is called with the number of records checked since its last call.
    """
    count = AuditEvent.objects.count()
    head = AuditHead.objects.filter(pk=1).first()
    key = None
    if count or (head is not None and head.seq):
        key = keys.load()
        keys.check(key, head.key_id if head is not None else "")
    broken = hashchain.verify(_chain_records(progress), key=key)
    if broken is not None:
        return count, broken
    last = AuditEvent.objects.order_by("-seq").first()
    head_seq = head.seq if head else 0
    last_seq = last.seq if last else 0
    if last_seq < head_seq or (last is not None and head is None):
        return count, hashchain.Break(
            last_seq + 1, f"log ends at {last_seq} but {head_seq} records were written"
        )
    at_head = AuditEvent.objects.filter(seq=head_seq).values_list("hash", flat=True).first()
    if head is not None and head_seq and at_head != head.hash:
        return count, hashchain.Break(head_seq, "record does not match the head row (log rewritten)")
    if anchor is not None:
        seq, expected = anchor
        found = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if found is None:
            return count, hashchain.Break(seq, f"the anchor's record {seq} is not in the log (log truncated)")
        if found != expected:
            return count, hashchain.Break(seq, "record does not match the anchor (log rewritten)")
    return count, None


def head() -> tuple[int, str]:
    """The chain's last record as (seq, hash), for ``dengbao audit anchor``."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return (last[0], last[1]) if last else (0, hashchain.GENESIS)
