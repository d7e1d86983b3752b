"""One notification for one person: what happened (kind + subject), where to look (link), read or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    class Kind(models.TextChoices):
        TICKET = "ticket", _("新工单")
        URGENT_TICKET = "urgent_ticket", _("紧急工单")
        TICKET_NOTE = "ticket_note", _("工单补充")
        ACCEPTED = "accepted", _("交付物已验收")
        JOB_FAILED = "job_failed", _("文档生成失败")
        INCIDENT = "incident", _("网站监测告警")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    subject = models.CharField(
        _("内容"), max_length=300
    )  # the thing's own words: a ticket title, a file name
    link = models.CharField(max_length=300, blank=True)  # a path on this site
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.subject}"
