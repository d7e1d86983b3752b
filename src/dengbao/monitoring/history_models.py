"""Check history: raw results kept for a period, and per-minute/hour/day rollups kept longer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckResult(models.Model):
    """One check of one monitor. Raw rows are deleted after ``retention_days`` (default 30)."""

    monitor = models.ForeignKey("monitoring.Monitor", on_delete=models.CASCADE, related_name="results")
    checked_at = models.DateTimeField(_("检查时间"))
    available = models.BooleanField(_("可用"))
    ok = models.BooleanField(_("全部通过"))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.FloatField(null=True, blank=True)
    severity = models.CharField(max_length=8, blank=True)
    failed = models.JSONField(default=list, blank=True)  # [{name, severity, detail, evidence}]
    heightened = models.BooleanField(default=False)
    lag_ms = models.FloatField(null=True, blank=True)  # how late the check started against its due time

    class Meta:
        verbose_name = _("检查结果")
        indexes = [
            models.Index(fields=["monitor", "-checked_at"], name="monitor_result_recent"),
            models.Index(fields=["checked_at"], name="monitor_result_time"),
        ]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.checked_at:%Y-%m-%d %H:%M:%S}"


# Response-time histogram buckets (upper bounds, ms) for an incremental p95.
BUCKETS_MS = (10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000)


class Rollup(models.Model):
    class Period(models.TextChoices):
        MINUTE = "m", _("分钟")
        HOUR = "h", _("小时")
        DAY = "d", _("天")

    monitor = models.ForeignKey("monitoring.Monitor", on_delete=models.CASCADE, related_name="rollups")
    period = models.CharField(max_length=1, choices=Period.choices)
    start = models.DateTimeField()
    checks = models.PositiveIntegerField(default=0)
    up = models.PositiveIntegerField(default=0)  # available
    ok = models.PositiveIntegerField(default=0)  # every condition passed
    response_count = models.PositiveIntegerField(default=0)
    response_sum = models.FloatField(default=0.0)
    response_max = models.FloatField(default=0.0)
    p95_ms = models.FloatField(null=True, blank=True)
    histogram = models.JSONField(default=list)  # counts per BUCKETS_MS bucket, plus one for "slower"

    class Meta:
        verbose_name = _("检查汇总")
        constraints = [
            models.UniqueConstraint(fields=["monitor", "period", "start"], name="monitor_rollup_unique")
        ]
        indexes = [models.Index(fields=["period", "start"], name="monitor_rollup_time")]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.period} {self.start:%Y-%m-%d %H:%M}"

    @property
    def down(self) -> int:
        return self.checks - self.up

    @property
    def avg_ms(self) -> float | None:
        return self.response_sum / self.response_count if self.response_count else None
