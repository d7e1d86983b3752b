"""The one-time re-keying of a chain written before keys (plain SM3/SHA-256 links).

Run by migration ``audit.0004``: it first verifies the old chain as it stands, then links
every record again with the keyed algorithm, and appends an ``audit.rekey`` event saying
how many records were re-keyed, the old head and whether the old chain was intact (a
break found then is kept on record, not laundered). Works on a migration's historical
models as on the real ones; on PostgreSQL the append-only triggers are switched off
for the rewrite only, inside the migration's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dengbao.core import hashchain

from . import keys
from .models import chain_fields

BATCH = 1000


def _records(events: Any) -> Any:
    for event in events.order_by("seq").iterator(chunk_size=2000):
        yield hashchain.ChainRecord(
            seq=event.seq,
            prev_hash=event.prev_hash,
            hash=event.hash,
            algorithm=event.algorithm,
            fields=chain_fields(event),
        )


def rekey(event_model: Any, head_model: Any, connection: Any) -> int:
    """Re-link an unkeyed chain under the key (created if missing). Returns the records re-keyed."""
    events = event_model.objects.all()
    unkeyed = events.exclude(algorithm__startswith=hashchain.KEYED_PREFIX)
    if not unkeyed.exists():
        return 0
    old_break = hashchain.verify(_records(events), allow_unkeyed=True)
    last = events.order_by("-seq").first()
    old_head = (last.seq, last.hash)
    old_algorithms = sorted(set(events.values_list("algorithm", flat=True)))
    key = keys.load(create=True)
    algorithm = hashchain.preferred_algorithm()
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_audithead DISABLE TRIGGER USER")
        prev = hashchain.GENESIS
        batch: list[Any] = []
        for event in events.order_by("seq").iterator(chunk_size=2000):
            event.algorithm, event.prev_hash = algorithm, prev
            event.hash = prev = hashchain.link(algorithm, prev, chain_fields(event), key)
            batch.append(event)
            if len(batch) >= BATCH:
                event_model.objects.bulk_update(batch, ["algorithm", "prev_hash", "hash"])
                batch = []
        event_model.objects.bulk_update(batch, ["algorithm", "prev_hash", "hash"])
        details = {
            "records": events.count(),
            "previous_algorithms": old_algorithms,
            "previous_head": hashchain.format_anchor(*old_head),
            "previous_chain_intact": old_break is None,
        }
        if old_break is not None:
            details["previous_break"] = {"seq": old_break.seq, "reason": old_break.reason}
        event = event_model(
            seq=old_head[0] + 1,
            at=dt.datetime.now(dt.UTC),
            actor_id=None,
            actor_name="system:migration",
            ip="",
            action="audit.rekey",
            outcome="ok" if old_break is None else "failed",
            object_type="",
            object_id="",
            object_repr="",
            project_id=None,
            details=hashchain.json_roundtrip(details),
            algorithm=algorithm,
            prev_hash=prev,
        )
        event.hash = hashchain.link(algorithm, prev, chain_fields(event), key)
        event.save()
        head_model.objects.update_or_create(
            pk=1, defaults={"seq": event.seq, "hash": event.hash, "key_id": hashchain.key_id(key)}
        )
        if postgres:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_audithead ENABLE TRIGGER USER")
    return old_head[0]
