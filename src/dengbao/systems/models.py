"""定级对象 (graded systems). Issue 4 grows this into the full inventory and filing workflow."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InformationSystem(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="systems"
    )
    name = models.CharField(_("系统名称"), max_length=200)
    code = models.CharField(_("系统编号"), max_length=64, blank=True)
    description = models.TextField(_("业务描述"), blank=True)
    proposed_level = models.PositiveSmallIntegerField(_("拟定等级"), null=True, blank=True)
    projects = models.ManyToManyField("accounts.Project", related_name="systems", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("定级对象")
        verbose_name_plural = _("定级对象")
        ordering = ["organisation", "code", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="system_name_per_org")]

    def __str__(self) -> str:
        return self.name
