"""Security inspection and hardening (安全巡检及加固): checklists, visits, results, evidence and
hardening actions with their steps.

A visit copies the checklist items of each object it looks at, so editing a template later
never changes a past record.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao import terms
from dengbao.core.catalogue.vocab import OBJECT_TYPES

from .service_models import ServiceOccurrence

OBJECT_TYPE_CHOICES = terms.choices((t, t) for t in OBJECT_TYPES)


class InspectionTemplate(models.Model):
    """An organisation's own checklist for one object type (without one, the shipped default applies)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="inspection_templates"
    )
    object_type = models.CharField(_("对象类型"), max_length=20, choices=OBJECT_TYPE_CHOICES)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("巡检模板")
        verbose_name_plural = _("巡检模板")
        ordering = ["organisation", "object_type"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "object_type"], name="one_template_per_type")
        ]

    def __str__(self) -> str:
        return self.object_type


class InspectionTemplateItem(models.Model):
    template = models.ForeignKey(InspectionTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    category = models.CharField(_("类别"), max_length=20)
    item = models.CharField(_("检查内容"), max_length=300)
    expected = models.CharField(_("正常标准"), max_length=300, blank=True)

    class Meta:
        ordering = ["template", "position"]

    def __str__(self) -> str:
        return self.item


class InspectionVisit(models.Model):
    """One inspection visit (巡检记录)."""

    contract = models.ForeignKey("engagements.Contract", on_delete=models.CASCADE, related_name="inspections")
    occurrence = models.OneToOneField(
        ServiceOccurrence,
        verbose_name=_("服务事项"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection",
    )
    visited_on = models.DateField(_("巡检日期"))
    inspector = models.ForeignKey(
        "accounts.User", verbose_name=_("巡检人"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.CharField(_("陪同人员"), max_length=200, blank=True)
    summary = models.TextField(_("巡检结论"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("巡检记录")
        verbose_name_plural = _("巡检记录")
        ordering = ["contract", "-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} 巡检"


class InspectionTarget(models.Model):
    """One object looked at during a visit, with the automated check results attached to it."""

    visit = models.ForeignKey(InspectionVisit, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField()
    system = models.ForeignKey(
        "systems.InformationSystem",
        verbose_name=_("所属系统"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_type = models.CharField(_("对象类型"), max_length=20, choices=OBJECT_TYPE_CHOICES)
    name = models.CharField(_("对象名称"), max_length=100)
    # Filled by an automated check (a later capability): {"source": …, "at": …, "checks": [...]}.
    automated_results = models.JSONField(_("自动检查结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("巡检对象")
        verbose_name_plural = _("巡检对象")
        ordering = ["visit", "position"]

    def __str__(self) -> str:
        return f"{self.object_type} {self.name}"


class InspectionResult(models.Model):
    class Outcome(models.TextChoices):
        NOT_CHECKED = "not_checked", _("未检查")
        NORMAL = "normal", _("正常")
        ABNORMAL = "abnormal", _("异常")

    target = models.ForeignKey(InspectionTarget, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField()
    category = models.CharField(_("类别"), max_length=20)
    item = models.CharField(_("检查内容"), max_length=300)
    expected = models.CharField(_("正常标准"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.NOT_CHECKED)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("巡检结果")
        verbose_name_plural = _("巡检结果")
        ordering = ["target", "position"]

    def __str__(self) -> str:
        return self.item


class InspectionEvidence(models.Model):
    result = models.ForeignKey(InspectionResult, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="engagements/inspections/%Y/")
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("巡检证据")
        verbose_name_plural = _("巡检证据")
        ordering = ["result", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class HardeningAction(models.Model):
    """A hardening measure applied to an object, with its steps, status and verification."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待加固")
        DONE = "done", _("已加固，待验证")
        VERIFIED = "verified", _("已验证")
        FAILED = "failed", _("验证未通过")
        CANCELLED = "cancelled", _("已取消")

    contract = models.ForeignKey(
        "engagements.Contract", on_delete=models.CASCADE, related_name="hardening_actions"
    )
    visit = models.ForeignKey(
        InspectionVisit, on_delete=models.CASCADE, null=True, blank=True, related_name="hardening"
    )
    target = models.ForeignKey(
        InspectionTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="hardening"
    )
    result = models.ForeignKey(
        InspectionResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="hardening"
    )
    measure = models.CharField(_("加固手册条目"), max_length=60, blank=True)  # core.engagement.hardening key
    title = models.CharField(_("加固措施"), max_length=200)
    verify_method = models.CharField(_("验证方法"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("加固时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verification = models.TextField(_("验证记录"), blank=True)

    class Meta:
        verbose_name = _("加固措施")
        verbose_name_plural = _("加固措施")
        ordering = ["contract", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class HardeningStep(models.Model):
    action = models.ForeignKey(HardeningAction, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("步骤"), max_length=300)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["action", "position"]
        constraints = [models.UniqueConstraint(fields=["action", "position"], name="one_step_per_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"
