"""Alert rules, channels, their per-monitor state, and the incident timeline."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    class Kind(models.TextChoices):
        WEBHOOK = "webhook", _("通用 Webhook")
        DINGTALK = "dingtalk", _("钉钉机器人")
        WECOM = "wecom", _("企业微信机器人")
        FEISHU = "feishu", _("飞书机器人")
        EMAIL = "email", _("电子邮件")

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="monitor_channels")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    config = models.JSONField(_("设置"), default=dict, blank=True)  # url, mobiles, SMTP host...: no secrets
    secret = models.CharField(_("密钥"), max_length=500, blank=True)  # signing secret or SMTP password
    allow_private = models.BooleanField(_("允许内网地址"), default=False)
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("告警通道")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AlertRule(models.Model):
    class Watch(models.TextChoices):
        AVAILABILITY = "availability", _("可用性（不可用、状态码、超时、关键字）")
        CONTENT = "content", _("内容（篡改、暗链、敏感词）")
        TLS = "tls", _("TLS 证书")
        ALL = "all", _("任一检查项")

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="monitor_rules")
    name = models.CharField(_("名称"), max_length=100)
    watch = models.CharField(_("关注"), max_length=16, choices=Watch.choices, default=Watch.AVAILABILITY)
    failure_threshold = models.PositiveSmallIntegerField(_("连续失败次数"), default=3)
    recovery_threshold = models.PositiveSmallIntegerField(_("连续成功次数"), default=2)
    quiet_minutes = models.PositiveIntegerField(_("静默期（分钟）"), default=10)
    repeat_minutes = models.PositiveIntegerField(_("重复提醒（分钟）"), null=True, blank=True)
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    open_ticket = models.BooleanField(_("开启应急响应工单"), default=False)
    ticket_priority = models.CharField(_("工单优先级"), max_length=2, default="P2")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("告警规则")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class AlertState(models.Model):
    """Core ``alerts.AlertState`` of one (monitor, rule), and the incident it has open."""

    monitor = models.ForeignKey("monitoring.Monitor", on_delete=models.CASCADE, related_name="alert_states")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="states")
    state = models.JSONField(default=dict)
    incident = models.ForeignKey(
        "monitoring.Incident", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor", "rule"], name="monitor_alert_state")]

    def __str__(self) -> str:
        return f"{self.monitor_id}/{self.rule_id}"


class Incident(models.Model):
    class Kind(models.TextChoices):
        DOWN = "down", _("不可用")
        CHANGED = "changed", _("页面变化/篡改")
        TLS = "tls", _("证书问题")
        FAILED = "failed", _("检查失败")

    monitor = models.ForeignKey("monitoring.Monitor", on_delete=models.CASCADE, related_name="incidents")
    rule = models.ForeignKey(AlertRule, on_delete=models.SET_NULL, null=True, related_name="incidents")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    severity = models.CharField(_("级别"), max_length=8, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    evidence = models.JSONField(default=list, blank=True)  # the failed conditions when it opened
    opened_at = models.DateTimeField(_("开始"))
    closed_at = models.DateTimeField(_("结束"), null=True, blank=True)
    snapshot_html = models.TextField(_("页面快照"), blank=True)  # the changed page, as fetched
    ticket = models.ForeignKey(
        "engagements.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("事件")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["monitor", "-opened_at"], name="monitor_incident_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def open(self) -> bool:
        return self.closed_at is None


class IncidentEvent(models.Model):
    """One line of the timeline: opened, notified, held, reminder, approved, resolved, ticket."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    message = models.JSONField(default=dict, blank=True)  # the alert message, for the channels

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M:%S}"
