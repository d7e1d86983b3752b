"""Monitors and what they may reach: the monitor's settings, the project's allowed hosts, baselines.

Check results, rollups, alert rules, channels and incidents are in ``history_models`` and
``alert_models``; this module re-exports them so ``from .models import X`` works for all.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .zones import DEFAULT_ZONE


class AllowedHost(models.Model):
    """A host name (or ``*.example.org``) the project's monitors may target; nothing else is reachable."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="monitor_hosts")
    host = models.CharField(_("主机"), max_length=253)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("允许监测的主机")
        constraints = [models.UniqueConstraint(fields=["project", "host"], name="monitor_host_unique")]
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host


class PrivateHost(models.Model):
    """A host the security administrator lets reach private addresses, for one project in one zone.

    The project manager lists hosts (``AllowedHost``); a listed host reaches only public addresses
    until the platform's security administrator approves it here for a zone that reaches private
    ones. An approved host counts as allowed for that project and zone.
    """

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="private_hosts")
    zone = models.CharField(_("网络区域"), max_length=64)
    host = models.CharField(_("主机"), max_length=253)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    approved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), default=timezone.now)

    class Meta:
        verbose_name = _("允许访问内网的主机")
        constraints = [
            models.UniqueConstraint(fields=["project", "zone", "host"], name="monitor_private_host_unique")
        ]
        ordering = ["project_id", "zone", "host"]

    def __str__(self) -> str:
        return f"{self.host} ({self.zone})"


class Monitor(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="monitors")
    name = models.CharField(_("名称"), max_length=200)
    url = models.URLField(_("网址"), max_length=1000)
    extra_pages = models.JSONField(_("附加页面"), default=list, blank=True)
    crawl_depth = models.PositiveSmallIntegerField(_("抓取深度"), default=0)
    interval_seconds = models.PositiveIntegerField(_("检查间隔（秒）"), default=60)
    timeout_seconds = models.FloatField(_("超时（秒）"), default=10.0)
    expected_status = models.JSONField(_("期望状态码"), default=list, blank=True)
    keywords_present = models.JSONField(_("必须出现的文字"), default=list, blank=True)
    keywords_absent = models.JSONField(_("不得出现的文字"), default=list, blank=True)
    max_response_ms = models.PositiveIntegerField(_("响应时间上限（毫秒）"), null=True, blank=True)
    headers = models.JSONField(_("请求头"), default=dict, blank=True)
    ignore_selectors = models.JSONField(_("忽略的页面部分"), default=list, blank=True)
    zone = models.CharField(_("网络区域"), max_length=64, default=DEFAULT_ZONE)
    heightened_on_holidays = models.BooleanField(_("法定节假日重点保障"), default=True)
    heightened_dates = models.JSONField(_("重点保障日期"), default=list, blank=True)
    heightened_interval_seconds = models.PositiveIntegerField(_("重点保障期间隔（秒）"), default=30)
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("监测对象")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["project", "name"])]

    def __str__(self) -> str:
        return self.name

    def heightened_dates_set(self) -> set[dt.date]:
        out = set()
        for value in self.heightened_dates or ():
            try:
                out.add(dt.date.fromisoformat(str(value)))
            except ValueError:
                continue
        return out


class MonitorStatus(models.Model):
    """The latest state of one monitor: what the status wall and the API list read (one row each)."""

    class State(models.TextChoices):
        UNKNOWN = "unknown", _("未检查")
        UP = "up", _("正常")
        WARN = "warn", _("异常")
        DOWN = "down", _("不可用")

    monitor = models.OneToOneField(Monitor, on_delete=models.CASCADE, primary_key=True, related_name="status")
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.UNKNOWN)
    checked_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.FloatField(null=True, blank=True)
    failed = models.JSONField(default=list, blank=True)  # names of failed conditions
    conditions = models.JSONField(default=list, blank=True)  # the latest per-condition results
    heightened = models.BooleanField(default=False)
    dom_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("监测状态")

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.state}"


class PageCapture(models.Model):
    """The page as last fetched when it differed from the approved baseline: what a person approves.

    Written only when the normalised page changes, not on every check, so thousands of unchanged
    pages cost no writes.
    """

    monitor = models.OneToOneField(
        Monitor, on_delete=models.CASCADE, primary_key=True, related_name="capture"
    )
    url = models.URLField(max_length=1000)
    html = models.TextField()
    dom_hash = models.CharField(max_length=64)
    fetched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.dom_hash[:12]}"


class Baseline(models.Model):
    """One person-approved version of the monitored page (core ``tamper.Baseline`` as JSON)."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="baselines")
    version = models.PositiveIntegerField(_("版本"))
    snapshot = models.JSONField(_("基线快照"))
    approved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), default=timezone.now)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("基线")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["monitor", "version"], name="monitor_baseline_version")
        ]

    def __str__(self) -> str:
        return f"{self.monitor_id} v{self.version}"


class WordList(models.Model):
    """An organisation's edited copy of one keyword list (same text format as the shipped defaults)."""

    class Kind(models.TextChoices):
        GAMBLING = "gambling", _("博彩")
        LOTTERY = "lottery", _("彩票")
        PORN = "porn", _("色情")
        ILLICIT = "illicit", _("黑产")
        DEFACEMENT = "defacement", _("篡改用语")
        SENSITIVE = "sensitive", _("敏感词")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="monitor_word_lists"
    )
    kind = models.CharField(_("清单"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("内容"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("关键词清单")
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="monitor_wordlist_kind")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind}"


from .alert_models import AlertRule, AlertState, Channel, Incident, IncidentEvent  # noqa: E402
from .history_models import CheckResult, Rollup  # noqa: E402

__all__ = [
    "AlertRule",
    "AlertState",
    "AllowedHost",
    "Baseline",
    "Channel",
    "CheckResult",
    "Incident",
    "IncidentEvent",
    "Monitor",
    "MonitorStatus",
    "PageCapture",
    "PrivateHost",
    "Rollup",
    "WordList",
]
