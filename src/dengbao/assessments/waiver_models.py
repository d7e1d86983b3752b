"""Why a system of a round has neither a vulnerability scan nor a penetration test (验证测试豁免).

Imported at the end of ``models.py`` so Django sees the model in the assessments app. A round cannot
be finalised while one of its systems has no scan or pen-test imported and no waiver; the report
prints the reason in its 漏洞扫描与渗透测试 section.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["VerificationWaiver"]


class VerificationWaiver(models.Model):
    round = models.ForeignKey("assessments.Round", on_delete=models.CASCADE, related_name="waivers")
    system = models.ForeignKey("systems.InformationSystem", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("未开展漏洞扫描或渗透测试的理由"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("验证测试豁免")
        verbose_name_plural = _("验证测试豁免")
        ordering = ["round_id", "system_id"]
        constraints = [models.UniqueConstraint(fields=["round", "system"], name="one_waiver_per_system")]

    def __str__(self) -> str:
        return f"{self.system}: {self.reason[:40]}"
