"""Background work left behind by a process that ended: found at start, failed, audited.

A job records its owner (``owner_fields``) when its process takes it: document jobs when
they are queued in this process's pool and again when they start, scans when they start
(and when queued here). ``recover_interrupted`` runs once at the start of every serving
process (``dengbao run``, ``dengbao worker``): a queued or running job whose owner no longer
exists on this host (``core.process_owner.liveness``) becomes FAILED with the reason
"因服务重启而中断", marked ``interrupted``, and the UI offers a retry. Work owned by another
host is left to that host's next start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dengbao.core import process_owner

log = logging.getLogger("dengbao.tasks")

REASON = "因服务重启而中断"  # "Interrupted by a service restart"; shown translated when ``interrupted``


@dataclass(frozen=True)
class JobKind:
    """A model of background work: its status values and the audit action of an interruption."""

    model: str  # app_label.ModelName
    action: str


JOB_KINDS = (
    JobKind("reports.DocumentJob", "document.job_interrupted"),
    JobKind("scanning.Scan", "scan.interrupted"),
)


def owner_fields() -> dict[str, object]:
    """The ``owner`` of work this process takes now, for a job's ``update()``."""
    return {"owner": process_owner.this_process().to_dict()}


def recover_interrupted() -> int:
    """Fail every queued or running job whose owning process has ended; returns how many."""
    from django.apps import apps

    from dengbao.audit import services as audit

    recovered = 0
    for kind in JOB_KINDS:
        model = apps.get_model(kind.model)
        status = model.Status
        pending = model.objects.filter(status__in=[status.QUEUED, status.RUNNING]).select_related("project")
        for job in pending:
            owner = process_owner.Owner.from_dict(job.owner)
            if owner is None or process_owner.is_alive_here(owner) is not process_owner.Liveness.DEAD:
                continue
            with transaction.atomic():
                changed = model.objects.filter(pk=job.pk, status=job.status).update(
                    status=status.FAILED,
                    error=REASON,
                    interrupted=True,
                    step="已中断",
                    finished_at=timezone.now(),
                )
                if not changed:
                    continue  # finished or taken meanwhile
                audit.record(
                    actor=None,
                    actor_name="system",
                    action=kind.action,
                    obj=job,
                    outcome="failed",
                    details={"was": job.status, "owner": job.owner, "reason": REASON},
                    project=job.project,
                )
            recovered += 1
            log.warning("%s #%s was %s in process %s, which has ended: failed", kind.model, job.pk,
                        job.status, owner)  # fmt: skip
    return recovered
