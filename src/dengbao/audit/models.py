"""The append-only, hash-chained audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEvent(models.Model):
    """One thing that happened. Never updated, never deleted.

    Actor and object are stored as plain values, not foreign keys, so that deleting
    a user or an object never rewrites the log.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(null=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    ip = models.CharField(_("来源地址"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    outcome = models.CharField(_("结果"), max_length=16, default="ok")
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象名称"), max_length=200, blank=True)
    project_id = models.BigIntegerField(null=True, db_index=True)
    details = models.JSONField(_("摘要"), default=dict)
    algorithm = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")

    def chain_fields(self) -> dict[str, Any]:
        """What the link covers: every field but the hashes themselves."""
        return chain_fields(self)


def chain_fields(event: Any) -> dict[str, Any]:
    """An event's chained fields; a function so that migrations' historical models use it too."""
    return {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "ip": event.ip,
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "project_id": event.project_id,
        "details": event.details,
    }


class AuditHead(models.Model):
    """A single row naming the chain's last record; locked while appending so appends serialise."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # Fingerprint of the chain's key (hashchain.key_id): tells a wrong key file from tampering.
    key_id = models.CharField(max_length=32, blank=True, default="")

    def __str__(self) -> str:
        return f"head at #{self.seq}"
