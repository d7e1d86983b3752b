"""Records around the service year: training files, the handling of feedback, and the SLA
notifications sent when a ticket's clock comes close to or passes its target."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .service_models import Feedback, Ticket, TrainingSession


class TrainingFile(models.Model):
    class Kind(models.TextChoices):
        MATERIALS = "materials", _("培训材料")
        SIGN_IN = "sign_in", _("签到表")

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to="engagements/training/%Y/")
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("培训文件")
        verbose_name_plural = _("培训文件")
        ordering = ["session", "kind", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class FeedbackHandling(models.Model):
    """One step in handling a complaint or a visit's remarks (处理记录)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="handlings")
    handled_on = models.DateField(_("处理日期"))
    action = models.TextField(_("处理情况"))
    resolved = models.BooleanField(_("已办结"), default=False)
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["feedback", "handled_on", "pk"]

    def __str__(self) -> str:
        return f"{self.feedback_id} {self.handled_on}"


class SlaNotification(models.Model):
    """A clock of a ticket entered the warning or breached state: recorded once, then delivered."""

    class State(models.TextChoices):
        WARNING = "warning", _("即将超时")
        BREACHED = "breached", _("已超时")

    class Clock(models.TextChoices):
        RESPONSE = "response", _("响应")
        ON_SITE = "on_site", _("到场")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_notifications")
    clock = models.CharField(_("计时"), max_length=16, choices=Clock.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices)
    at = models.DateTimeField(_("发现时间"))
    breached_at = models.DateTimeField(_("超时时刻"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(_("已计时（秒）"))
    limit_seconds = models.PositiveIntegerField(_("时限（秒）"))
    message = models.TextField(_("通知内容"))
    # [{"channel": "dingtalk", "ok": true, "detail": "errcode=0"}]; [] when no channel is configured
    deliveries = models.JSONField(_("发送结果"), default=list, blank=True)

    class Meta:
        verbose_name = _("超时提醒")
        verbose_name_plural = _("超时提醒")
        ordering = ["ticket", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "clock", "state"], name="one_notification_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.state}"

    @property
    def delivered(self) -> bool:
        return any(d.get("ok") for d in self.deliveries)
