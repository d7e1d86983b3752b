"""The asset and service inventory fed by discovery scans and nmap imports.

``change`` marks what the latest scan covering the host changed — a new open port, a
port that closed, a product or version that changed — so the page can highlight it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Asset(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="assets")
    host = models.CharField(_("主机"), max_length=255)
    hostname = models.CharField(_("主机名"), max_length=255, blank=True)
    first_seen = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近发现"), default=timezone.now)

    class Meta:
        verbose_name = _("资产")
        verbose_name_plural = _("资产")
        ordering = ["project_id", "host"]
        constraints = [models.UniqueConstraint(fields=["project", "host"], name="one_asset_per_host")]

    def __str__(self) -> str:
        return self.host


class Service(models.Model):
    class Change(models.TextChoices):
        NONE = "", _("无变化")
        NEW = "new", _("新开放端口")
        CLOSED = "closed", _("端口已关闭")
        VERSION = "version", _("版本变化")

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="services")
    port = models.PositiveIntegerField(_("端口"))
    protocol = models.CharField(_("协议"), max_length=8, default="tcp")
    state = models.CharField(_("状态"), max_length=16, default="open")
    service = models.CharField(_("服务"), max_length=64, blank=True)
    product = models.CharField(_("产品"), max_length=200, blank=True)
    version = models.CharField(_("版本"), max_length=200, blank=True)
    previous = models.CharField(_("变化前"), max_length=400, blank=True)
    change = models.CharField(_("变化"), max_length=8, choices=Change.choices, blank=True, default="")
    changed_at = models.DateTimeField(_("变化时间"), null=True, blank=True)
    tool = models.CharField(_("来源"), max_length=16, blank=True)
    first_seen = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近发现"), default=timezone.now)

    class Meta:
        verbose_name = _("端口与服务")
        verbose_name_plural = _("端口与服务")
        ordering = ["asset_id", "protocol", "port"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "port", "protocol"], name="one_service_per_port")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.port}/{self.protocol}"

    @property
    def product_version(self) -> str:
        return " ".join(p for p in (self.product, self.version) if p)
