"""整体测评 adjustments: a result raised or lowered by a documented compensating measure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ResultAdjustment"]


class ResultAdjustment(models.Model):
    class Kind(models.TextChoices):
        BETWEEN_CONTROLS = "安全控制点间", _("安全控制点间")
        BETWEEN_AREAS = "区域间", _("区域间")
        BETWEEN_LAYERS = "层面间", _("层面间")

    round = models.ForeignKey("assessments.Round", on_delete=models.CASCADE, related_name="adjustments")
    unit_id = models.CharField(_("测评单元"), max_length=16)
    obj = models.ForeignKey(
        "assessments.AssessmentObject", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )  # None: every object of the unit
    to = models.CharField(_("调整后结果"), max_length=8)
    kind = models.CharField(_("调整类型"), max_length=8, choices=Kind.choices)
    reason = models.TextField(_("理由（补偿措施）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整体测评调整")
        verbose_name_plural = _("整体测评调整")
        ordering = ["round_id", "unit_id"]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.to}"
