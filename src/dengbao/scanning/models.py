"""Authorisations (授权书), scans, imports, penetration tests and per-project SLA days.

Findings and their history live in ``finding_models``, the asset and service inventory
in ``inventory_models``; both are imported at the end so Django sees one app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Technique(models.TextChoices):
    DISCOVERY = "discovery", _("主机与端口发现")
    VULN_SCAN = "vuln_scan", _("漏洞扫描")
    WEB_SCAN = "web_scan", _("Web 应用扫描")
    PENTEST = "pentest", _("渗透测试")
    CONFIG_CHECK = "config_check", _("登录核查（配置采集）")


class Authorisation(models.Model):
    """A signed authorisation: what may be touched, how, and when. Nothing outside it is scanned.

    ``windows`` is a list of ``{"days": [0..6] (Monday = 0), "start": "HH:MM", "end": "HH:MM"}``
    in the project's time zone; an empty list means any time between ``valid_from`` and
    ``valid_until``.
    """

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="authorisations")
    title = models.CharField(_("名称"), max_length=200)
    signer = models.CharField(_("签署人"), max_length=100)
    signed_on = models.DateField(_("签署日期"))
    document = models.FileField(_("授权书扫描件"), upload_to="scanning/authorisations/%Y/", blank=True)
    document_name = models.CharField(_("文件名"), max_length=200, blank=True)
    document_size = models.PositiveBigIntegerField(default=0)
    document_sha256 = models.CharField(max_length=64, blank=True)
    cidrs = models.JSONField(_("网段"), default=list, blank=True)
    hosts = models.JSONField(_("主机"), default=list, blank=True)
    urls = models.JSONField(_("网址"), default=list, blank=True)
    ports = models.CharField(_("端口"), max_length=500, default="1-65535")
    techniques = models.JSONField(_("允许的手段"), default=list)
    windows = models.JSONField(_("时间窗口"), default=list, blank=True)
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("失效时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("授权书")
        verbose_name_plural = _("授权书")
        ordering = ["project_id", "-valid_until", "-id"]

    def __str__(self) -> str:
        return self.title

    def status(self, at=None) -> str:
        """ "revoked", "expired", "pending" (not yet valid) or "valid" at ``at`` (default now)."""
        at = at or timezone.now()
        if self.revoked_at:
            return "revoked"
        if at >= self.valid_until:
            return "expired"
        if at < self.valid_from:
            return "pending"
        return "valid"

    def technique_labels(self) -> list[str]:
        labels = dict(Technique.choices)
        return [str(labels.get(t, t)) for t in self.techniques]

    def summary(self) -> dict[str, object]:
        return {
            "title": self.title,
            "signer": self.signer,
            "cidrs": self.cidrs,
            "hosts": self.hosts,
            "urls": self.urls,
            "ports": self.ports,
            "techniques": self.techniques,
            "windows": self.windows,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "sha256": self.document_sha256,
        }


class PenTest(models.Model):
    """A penetration-test engagement carried out under an authorisation."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="pentests")
    authorisation = models.ForeignKey(Authorisation, on_delete=models.PROTECT, related_name="pentests")
    system = models.ForeignKey(
        "systems.InformationSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=200)
    testers = models.CharField(_("测试人员"), max_length=200, blank=True)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    summary = models.TextField(_("测试结论"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("渗透测试")
        verbose_name_plural = _("渗透测试")
        ordering = ["project_id", "-started_on", "-id"]

    def __str__(self) -> str:
        return self.title


class SlaPolicy(models.Model):
    """Days to fix a finding by severity, counted from the day it was first seen."""

    DEFAULTS = {"严重": 7, "高": 30, "中": 90, "低": 180}

    project = models.OneToOneField("accounts.Project", on_delete=models.CASCADE, related_name="finding_sla")
    critical_days = models.PositiveSmallIntegerField(_("严重（天）"), default=7)
    high_days = models.PositiveSmallIntegerField(_("高（天）"), default=30)
    medium_days = models.PositiveSmallIntegerField(_("中（天）"), default=90)
    low_days = models.PositiveSmallIntegerField(_("低（天）"), default=180)
    warn_days = models.PositiveSmallIntegerField(_("提前预警（天）"), default=7)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改时限")
        verbose_name_plural = _("整改时限")

    def __str__(self) -> str:
        return f"SLA {self.project_id}"

    def days(self) -> dict[str, int]:
        """Severity value (严重/高/中/低) → days; 信息 has no deadline."""
        return {"严重": self.critical_days, "高": self.high_days, "中": self.medium_days, "低": self.low_days}


class Import(models.Model):
    """One scan report stored into the findings: what came in and what it changed."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="scan_imports")
    system = models.ForeignKey(
        "systems.InformationSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pentest = models.ForeignKey(
        PenTest, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    scan = models.OneToOneField(
        "scanning.Scan", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_record"
    )
    fmt = models.CharField(_("格式"), max_length=16)
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    findings = models.PositiveIntegerField(_("发现条数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("仍存在"), default=0)
    closed = models.PositiveIntegerField(_("已消失"), default=0)
    reopened = models.PositiveIntegerField(_("重新出现"), default=0)
    duplicates = models.PositiveIntegerField(_("重复"), default=0)
    suppressed = models.PositiveIntegerField(_("已忽略仍出现"), default=0)
    services = models.PositiveIntegerField(_("端口/服务"), default=0)
    services_new = models.PositiveIntegerField(_("新开放端口"), default=0)
    services_unchanged = models.PositiveIntegerField(_("仍开放端口"), default=0)
    services_closed = models.PositiveIntegerField(_("已关闭端口"), default=0)
    hosts = models.PositiveIntegerField(_("主机数"), default=0)
    complete = models.BooleanField(
        _("扫描完整"), default=True
    )  # False: the scan was cut short, nothing closed
    # what the file showed was looked at: {"hosts": n, "networks": [...], "ports": [...], "rules": {...}}
    coverage = models.JSONField(default=dict, blank=True)
    # skipped or shortened records: [{"number": 1, "where": "第 3 行", "message": "…"}, …]
    warnings = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(default=0.0)
    # open findings by severity after this import: {"": {"严重": 2, ...}, "<system id>": {...}}
    open_after = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("扫描结果导入")
        verbose_name_plural = _("扫描结果导入")
        ordering = ["project_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.fmt}:{self.filename}"

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "closed": self.closed,
            "reopened": self.reopened,
            "duplicates": self.duplicates,
        }

    def summary(self) -> dict[str, object]:
        """What the import did, in the shape ``import-scan --json``, the API and the page share."""
        return {
            "hosts": self.hosts,
            "services": {
                "new": self.services_new,
                "unchanged": self.services_unchanged,
                "closed": self.services_closed,
            },
            "findings": self.counts(),
            "warnings": list(self.warnings or []),
        }


class Scan(models.Model):
    """A scan job: checked against its authorisation before the first packet."""

    class Profile(models.TextChoices):
        QUICK = "quick", _("常用端口")
        FULL = "full", _("全部 TCP 端口")
        SERVICE = "service", _("服务与版本识别")
        WEB = "web", _("Web 检查")

    class Engine(models.TextChoices):
        AUTO = "auto", _("自动（有 nmap 用 nmap）")
        BUILTIN = "builtin", _("内置扫描器")
        NMAP = "nmap", _("nmap")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")  # a plan from the service calendar: only its runs scan
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("扫描中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        REFUSED = "refused", _("已拒绝")
        CANCELLED = "cancelled", _("已取消")

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="scans")
    authorisation = models.ForeignKey(
        Authorisation, on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    system = models.ForeignKey(
        "systems.InformationSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=200, blank=True)
    targets = models.TextField(_("目标"))
    ports = models.CharField(_("端口"), max_length=500, blank=True)
    profile = models.CharField(_("扫描类型"), max_length=16, choices=Profile.choices, default=Profile.QUICK)
    engine = models.CharField(_("引擎"), max_length=16, choices=Engine.choices, default=Engine.AUTO)
    engine_used = models.CharField(_("实际引擎"), max_length=16, blank=True)
    rate_limit = models.PositiveIntegerField(_("速率上限（包/秒）"), default=1000)
    repeat_days = models.PositiveSmallIntegerField(_("重复间隔（天）"), null=True, blank=True)
    # The network zone whose worker runs it ("": this server); see tasks.dispatch.
    zone = models.CharField(_("网络区域"), max_length=32, blank=True, default="")
    next_run_at = models.DateTimeField(_("下次执行"), null=True, blank=True)
    # A plan pre-set from the contract's service calendar: the service it performs (vuln_scan,
    # deep_scan); each run the recurring job makes of it points back through ``plan``.
    service_kind = models.CharField(_("合同服务"), max_length=20, blank=True, default="")
    plan = models.ForeignKey(
        "self",
        verbose_name=_("扫描计划"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    cancel_requested = models.BooleanField(default=False)
    refused_reason = models.TextField(_("拒绝原因"), blank=True)
    error = models.TextField(_("错误"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    # The process that runs it (core.process_owner.Owner); failed at the next start once it has died.
    owner = models.JSONField(default=dict, blank=True)
    interrupted = models.BooleanField(default=False)  # failed because its process ended (recovery.py)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("扫描任务")
        verbose_name_plural = _("扫描任务")
        ordering = ["project_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "service_kind"],
                condition=models.Q(status="planned") & ~models.Q(service_kind=""),
                name="one_scan_plan_per_service",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"扫描 #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_plan(self) -> bool:
        return self.status == self.Status.PLANNED


from .finding_models import Finding, FindingEvent  # noqa: E402
from .inventory_models import Asset, Service  # noqa: E402

__all__ = [
    "Asset",
    "Authorisation",
    "Finding",
    "FindingEvent",
    "Import",
    "PenTest",
    "Scan",
    "Service",
    "SlaPolicy",
    "Technique",
]
