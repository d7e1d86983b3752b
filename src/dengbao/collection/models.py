"""Collected bundles (hashed evidence) and the results that rules propose from them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CollectedBundle(models.Model):
    """One collection bundle imported for an assessment object, kept as evidence with its hashes."""

    round = models.ForeignKey("assessments.Round", on_delete=models.CASCADE, related_name="bundles")
    obj = models.ForeignKey("assessments.AssessmentObject", on_delete=models.CASCADE, related_name="bundles")
    file = models.FileField(upload_to="collection/%Y/%m/")
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    sm3 = models.CharField(max_length=64, blank=True)
    platform = models.CharField(max_length=32)
    collector_version = models.CharField(max_length=32, blank=True)
    host = models.JSONField(default=dict, blank=True)
    collected_at = models.CharField(
        _("采集时间"), max_length=40, blank=True
    )  # as the host's clock said (UTC)
    counts = models.JSONField(default=dict)  # {"pass": n, "fail": n, "na": n, "error": n}
    rule_results = models.JSONField(default=list)  # every rule's verdict, sentence and deciding lines
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("采集包")
        verbose_name_plural = _("采集包")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.obj.name}）"


class Proposal(models.Model):
    """A result a rule proposes for one test unit; a person accepts or rejects it, it never overwrites."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        ACCEPTED = "accepted", _("已采纳")
        REJECTED = "rejected", _("已驳回")
        SUPERSEDED = "superseded", _("已被新采集替代")

    bundle = models.ForeignKey(CollectedBundle, on_delete=models.CASCADE, related_name="proposals")
    record = models.ForeignKey("assessments.ResultRecord", on_delete=models.CASCADE, related_name="proposals")
    unit_id = models.CharField(_("测评单元"), max_length=16)
    result = models.CharField(_("建议结果"), max_length=8)
    note = models.TextField(_("结果记录"))
    evidence = models.JSONField(default=list)  # the deciding rules with their lines
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    based_on_version = models.PositiveIntegerField()  # the result's version when proposed
    applied_version = models.PositiveIntegerField(null=True, blank=True)  # the version accepting wrote
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("建议结果")
        verbose_name_plural = _("建议结果")
        ordering = ["record_id", "-created_at"]
        indexes = [models.Index(fields=["record", "status"])]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.result}（{self.get_status_display()}）"

    @property
    def rule_ids(self) -> list[str]:
        """The rules whose verdicts decided this proposal."""
        return [str(e.get("rule", "")) for e in self.evidence if isinstance(e, dict)]

    @property
    def low_confidence(self) -> bool:
        """Decided by a rule reading a screenshot's recognised text (OCR), not collected output."""
        return any(isinstance(e, dict) and e.get("confidence") == "low" for e in self.evidence)


class SshHostKey(models.Model):
    """A target's SSH host key, recorded on first use in an assessment; a different key is refused."""

    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="ssh_host_keys"
    )
    host = models.CharField(_("地址"), max_length=255)  # the address connected to
    port = models.PositiveIntegerField(default=22)
    public_key = models.TextField(_("主机公钥"))  # OpenSSH format
    fingerprint = models.CharField(_("指纹"), max_length=100)  # SHA256:…
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SSH 主机密钥")
        verbose_name_plural = _("SSH 主机密钥")
        ordering = ["assessment_id", "host", "port"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "host", "port"], name="ssh_host_key_once_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.host}:{self.port} {self.fingerprint}"
