"""An organisation's own wording of catalogue units (the catalogue itself is data in core/)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnitWording(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="unit_wordings"
    )
    unit_id = models.CharField(_("测评单元编号"), max_length=16)
    requirement = models.TextField(_("测评指标"), blank=True)
    steps = models.JSONField(_("测评实施"), default=list)
    verdict = models.TextField(_("单元判定"), blank=True)
    imported_at = models.DateTimeField(default=timezone.now)
    source_name = models.CharField(_("来源文件"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("机构措辞")
        verbose_name_plural = _("机构措辞")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "unit_id"], name="one_wording_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.unit_id}"
