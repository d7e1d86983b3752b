"""Generated documents, kept as numbered versions with their hash and who made them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    GRADING_REPORT = "grading_report", _("定级报告")
    FILING_FORM = "filing_form", _("备案表")


class GeneratedDocument(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="documents")
    system = models.ForeignKey(
        "systems.InformationSystem", on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    kind = models.CharField(_("文档类型"), max_length=32, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(upload_to="documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    generated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    generated_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("生成的文档")
        verbose_name_plural = _("生成的文档")
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "system", "kind", "version"], name="one_document_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.version}"


class TemplateKindChoice(models.TextChoices):
    GRADING_REPORT = "grading_report", _("定级报告（2025 版）")
    FILING_FORM_2025 = "filing_form_2025", _("备案表（2025 版）")
    FILING_FORM_LEGACY = "filing_form_legacy", _("备案表（旧版）")


class DocumentTemplate(models.Model):
    """An organisation's own version of a shipped template; used once checked and switched on."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="templates"
    )
    kind = models.CharField(_("模板"), max_length=32, choices=TemplateKindChoice.choices)
    file = models.FileField(upload_to="templates/")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    problems = models.JSONField(default=list, blank=True)
    active = models.BooleanField(_("启用"), default=False)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("文档模板")
        verbose_name_plural = _("文档模板")
        ordering = ["kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_kind_display()} ({self.filename})"
