"""Findings: one row per (project, tool, dedup key), with a lifecycle and a history.

A re-import of the same tool's report updates the row rather than adding another; the
states and what a scan may change are described in ``finding_services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao.core.importers import Severity as CoreSeverity

SEVERITY_ORDER = {s.value: s.rank for s in CoreSeverity}


class Severity(models.TextChoices):
    CRITICAL = "严重", _("严重")
    HIGH = "高", _("高")
    MEDIUM = "中", _("中")
    LOW = "低", _("低")
    INFO = "信息", _("信息")


class State(models.TextChoices):
    OPEN = "open", _("待处理")
    CONFIRMED = "confirmed", _("已确认")
    FALSE_POSITIVE = "false_positive", _("误报")
    RISK_ACCEPTED = "risk_accepted", _("接受风险")
    FIXED_PENDING = "fixed_pending", _("已修复待验证")
    VERIFIED_FIXED = "verified_fixed", _("已验证修复")
    REOPENED = "reopened", _("重新出现")


# States in which the finding still needs work (the SLA clock runs).
ACTIVE_STATES = (State.OPEN, State.CONFIRMED, State.REOPENED)


class Finding(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="findings")
    system = models.ForeignKey(
        "systems.InformationSystem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pentest = models.ForeignKey(
        "scanning.PenTest", on_delete=models.SET_NULL, null=True, blank=True, related_name="findings"
    )
    first_import = models.ForeignKey(
        "scanning.Import", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_import = models.ForeignKey(
        "scanning.Import", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tool = models.CharField(_("工具"), max_length=50)
    rule_id = models.CharField(_("规则编号"), max_length=200, blank=True)
    dedup_key = models.CharField(max_length=64)
    title = models.CharField(_("标题"), max_length=500)
    severity = models.CharField(_("严重程度"), max_length=4, choices=Severity.choices)
    raw_severity = models.CharField(_("工具原始级别"), max_length=32, blank=True)
    host = models.CharField(_("主机"), max_length=255, blank=True)
    hostname = models.CharField(_("主机名"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("端口"), null=True, blank=True)
    protocol = models.CharField(_("协议"), max_length=8, blank=True)
    url = models.TextField(_("网址"), blank=True)
    parameter = models.CharField(_("参数"), max_length=200, blank=True)
    service = models.CharField(_("服务"), max_length=64, blank=True)
    cve = models.TextField("CVE", blank=True)  # the whole list, space-separated; searched through FindingCve
    cwe = models.TextField("CWE", blank=True)  # space-separated numbers
    cvss_score = models.FloatField("CVSS", null=True, blank=True)
    cvss_vector = models.CharField(_("CVSS 向量"), max_length=200, blank=True)
    description = models.TextField(_("描述"), blank=True)
    evidence = models.TextField(_("证据"), blank=True)
    steps = models.TextField(_("复现步骤"), blank=True)
    solution = models.TextField(_("修复建议"), blank=True)
    references = models.TextField(_("参考"), blank=True)
    exploitable = models.BooleanField(_("可被利用"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    risk_accepted_until = models.DateField(_("接受风险至"), null=True, blank=True)
    risk_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_seen = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近发现"), default=timezone.now)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    sla_due = models.DateField(_("整改期限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("漏洞发现")
        verbose_name_plural = _("漏洞发现")
        ordering = ["project_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "tool", "dedup_key"], name="one_finding_per_key")
        ]
        indexes = [
            models.Index(fields=["project", "state", "severity"]),
            models.Index(fields=["project", "host"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def severity_rank(self) -> int:
        return SEVERITY_ORDER.get(self.severity, 0)

    @property
    def place(self) -> str:
        if self.url:
            return self.url + (f" [{self.parameter}]" if self.parameter else "")
        if self.port:
            return f"{self.host}:{self.port}/{self.protocol or 'tcp'}"
        return self.host

    def sla_status(self, today) -> str:
        """ "breached", "due_soon" (within 7 days), "ok", or "" when no clock runs."""
        if self.sla_due is None or self.state not in ACTIVE_STATES:
            return ""
        if today > self.sla_due:
            return "breached"
        if (self.sla_due - today).days <= 7:
            return "due_soon"
        return "ok"

    def summary(self) -> dict[str, object]:
        return {
            "state": self.state,
            "severity": self.severity,
            "owner": self.owner_id,
            "risk_accepted_until": self.risk_accepted_until.isoformat() if self.risk_accepted_until else None,
            "risk_accepted_by": self.risk_accepted_by_id,
        }


class FindingCve(models.Model):
    """One CVE of a finding, so a search by CVE is an exact, indexed match (a finding may list hundreds)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="cves")
    cve = models.CharField("CVE", max_length=32)

    class Meta:
        verbose_name = "CVE"
        verbose_name_plural = "CVE"
        constraints = [models.UniqueConstraint(fields=["finding", "cve"], name="one_row_per_finding_cve")]
        indexes = [models.Index(fields=["cve"])]

    def __str__(self) -> str:
        return self.cve


class FindingInstance(models.Model):
    """One place of a finding reported several times in one file (two install paths, several URLs).

    Written only for findings whose dedup key repeated in the import; the latest import
    that saw the finding replaces them.
    """

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="instances")
    place = models.TextField(_("位置"), blank=True)  # URL, or host:port/protocol
    parameter = models.CharField(_("参数"), max_length=200, blank=True)
    evidence = models.TextField(_("证据"), blank=True)
    source_import = models.ForeignKey(
        "scanning.Import", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("发现位置")
        verbose_name_plural = _("发现位置")
        ordering = ["finding_id", "id"]

    def __str__(self) -> str:
        return self.place


class FindingEvent(models.Model):
    """History: a state change, a comment, an owner change, an import that closed or reopened it."""

    class Kind(models.TextChoices):
        STATE = "state", _("状态变更")
        COMMENT = "comment", _("评论")
        OWNER = "owner", _("负责人变更")
        LINK = "link", _("关联安全问题")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    source_import = models.ForeignKey(
        "scanning.Import", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["finding_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_state}→{self.to_state}"

    @property
    def from_label(self) -> str:
        return str(dict(State.choices).get(self.from_state, self.from_state))

    @property
    def to_label(self) -> str:
        return str(dict(State.choices).get(self.to_state, self.to_state))
