"""Security problems (安全问题), their high-risk judgement, 重大风险隐患 and links to findings.

Imported at the end of ``models.py`` so Django sees these models in the assessments app.
The rules that make them (which results make a problem, which case applies) live in
``dengbao.core.problems``; ``problem_services`` stores them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["CaseConditions", "MajorRisk", "Problem", "ProblemLink", "Risk"]

RISK_ORDER = {"高": 0, "中": 1, "低": 2}


class Risk(models.TextChoices):
    HIGH = "高", _("高")
    MEDIUM = "中", _("中")
    LOW = "低", _("低")


class Problem(models.Model):
    """One problem per test unit and round: every unit short of 符合 on any object gets one.

    ``edited_fields`` names the fields a person changed; syncing from the results again
    refreshes the others and leaves those alone.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("未整改")
        FIXED = "fixed", _("已整改")
        ACCEPTED = "accepted", _("接受风险")

    class CaseStatus(models.TextChoices):
        NONE = "none", _("无")
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已否定")

    round = models.ForeignKey("assessments.Round", on_delete=models.CASCADE, related_name="problems")
    unit_id = models.CharField(_("测评单元"), max_length=16)
    # not ``objects``: that name is the model's manager
    test_objects = models.ManyToManyField(
        "assessments.AssessmentObject", related_name="problems", blank=True, verbose_name=_("测评对象")
    )
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    remediation = models.TextField(_("整改建议"), blank=True)
    risk = models.CharField(_("风险等级"), max_length=2, choices=Risk.choices, default=Risk.MEDIUM)
    status = models.CharField(_("整改状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    high_risk_case = models.CharField(_("高风险判例"), max_length=16, blank=True)
    case_status = models.CharField(
        _("判例状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NONE
    )
    case_note = models.TextField(_("判例提示"), blank=True)  # e.g. a condition still to confirm
    case_reason = models.TextField(_("判定理由"), blank=True)
    case_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case_decided_at = models.DateTimeField(null=True, blank=True)
    edited_fields = models.JSONField(default=list, blank=True)
    fixed_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("安全问题")
        verbose_name_plural = _("安全问题")
        ordering = ["round_id", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["round", "unit_id"], name="one_problem_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.title}"

    @property
    def category(self) -> str:
        """PES … MMS, read from the unit ID ("L3-CES1-01")."""
        parts = self.unit_id.split("-")
        return parts[1][:3] if len(parts) == 3 else ""

    @property
    def is_high_risk(self) -> bool:
        return self.risk == Risk.HIGH

    def summary(self) -> dict[str, object]:
        return {
            "title": self.title,
            "description": self.description[:200],
            "remediation": self.remediation[:200],
            "risk": self.risk,
            "status": self.status,
            "high_risk_case": self.high_risk_case,
            "case_status": self.case_status,
            "case_reason": self.case_reason[:200],
        }


class ProblemLink(models.Model):
    """Something else that evidences a problem, named by kind and reference.

    A scanner finding links as ``kind="finding", ref=str(finding.pk)``; a penetration-test
    item or an outside ticket the same way with its own kind. A plain (kind, ref) pair
    rather than a foreign key keeps this app free of the scanning app and lets a finding
    be looked up from either side (``ProblemLink.objects.filter(kind=..., ref=...)``).
    """

    class Kind(models.TextChoices):
        FINDING = "finding", _("漏洞扫描发现")
        PENTEST = "pentest", _("渗透测试发现")
        OTHER = "other", _("其他")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    ref = models.CharField(_("引用"), max_length=200)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("问题关联")
        verbose_name_plural = _("问题关联")
        ordering = ["problem_id", "kind", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "kind", "ref"], name="one_link_per_reference")
        ]
        indexes = [models.Index(fields=["kind", "ref"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


class MajorRisk(models.Model):
    """重大风险隐患: one 高风险 problem, or several problems that together make one."""

    round = models.ForeignKey("assessments.Round", on_delete=models.CASCADE, related_name="major_risks")
    title = models.CharField(_("重大风险隐患"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    problems = models.ManyToManyField(Problem, related_name="major_risks", verbose_name=_("安全问题"))
    fixed = models.BooleanField(_("已整改"), default=False)
    fixed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("重大风险隐患")
        verbose_name_plural = _("重大风险隐患")
        ordering = ["round_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class CaseConditions(models.Model):
    """What the assessor has settled about the 适用范围 conditions of high-risk cases.

    Conditions not named here are derived from the systems (cloud platform or cloud
    customer, industrial control) or stay unknown, and a case depending on an unknown
    condition is proposed with a note to confirm it.
    """

    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="case_conditions"
    )
    holds = models.JSONField(_("成立的条件"), default=list, blank=True)
    absent = models.JSONField(_("不成立的条件"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("判例适用条件")
        verbose_name_plural = _("判例适用条件")

    def __str__(self) -> str:
        return f"{self.assessment}: {', '.join(self.holds)}"
