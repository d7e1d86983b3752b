"""Typical 结果记录 phrases per test unit that an agency grows as it works."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Phrase"]


class Phrase(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="phrases"
    )
    unit_id = models.CharField(_("测评单元"), max_length=16, db_index=True)
    text = models.TextField(_("常用记录"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("常用结果记录")
        verbose_name_plural = _("常用结果记录")
        ordering = ["unit_id", "text"]
        constraints = [models.UniqueConstraint(fields=["organisation", "unit_id", "text"], name="one_phrase")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.text[:30]}"
