"""Generated documents, kept as numbered versions with their hash and who made them."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def document_kinds() -> list[tuple[str, str]]:
    """``kind`` choices: the document registry (reports/documents), read when first needed."""
    return apps.get_app_config("reports").document_choices()


def template_kinds() -> list[tuple[str, str]]:
    """``DocumentTemplate.kind`` choices: the replaceable templates the registry's kinds declare."""
    return apps.get_app_config("reports").template_choices()


class DocumentKind:
    """Names of the kinds that code here refers to (every kind with its label: reports/documents)."""

    GRADING_REPORT = "grading_report"
    FILING_FORM = "filing_form"
    ASSESSMENT_REPORT = "assessment_report"
    GAP_LIST_XLSX = "gap_list_xlsx"
    GAP_LIST_DOCX = "gap_list_docx"
    REMEDIATION_PLAN = "remediation_plan"
    RETEST_REPORT = "retest_report"
    SCAN_REPORT = "scan_report"
    INSPECTION_RECORD = "inspection_record"
    TICKET_RECORD = "ticket_record"
    MONITORING_REPORT = "monitoring_report"
    BUNDLE = "bundle"


class GeneratedDocument(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="documents")
    system = models.ForeignKey(
        "systems.InformationSystem", on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    kind = models.CharField(_("文档类型"), max_length=32, choices=document_kinds)
    version = models.PositiveIntegerField(_("版本"))
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(upload_to="documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    generated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    generated_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    round_number = models.PositiveSmallIntegerField(null=True, blank=True)
    # Which template made it: "内置" or the organisation's file name, with the template file's hash.
    template_name = models.CharField(_("模板"), max_length=200, blank=True)
    template_sha256 = models.CharField(max_length=64, blank=True)
    # The data the document was made from (plain JSON), kept so a signed version can be shown again.
    data = models.JSONField(null=True, blank=True)
    pdf = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    locked_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 发布: the manager hands this version to the client (a signed version is the client's already).
    released_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

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

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def released(self) -> bool:
        """Whether the client may see this version: signed (签发) or released by the manager."""
        return self.locked_at is not None or self.released_at is not None


class DocumentTemplate(models.Model):
    """An organisation's own version of a shipped template; used once checked and switched on."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="templates"
    )
    kind = models.CharField(_("模板"), max_length=32, choices=template_kinds)
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


class DocumentJob(models.Model):
    """A generation running in the background: what it makes, how far it got, what it made or why not."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="document_jobs")
    kind = models.CharField(_("任务"), max_length=32)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step = models.CharField(_("当前步骤"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    problems = models.JSONField(default=list, blank=True)  # documents skipped, and why
    # The process that runs it (core.process_owner.Owner); a job whose owner died is failed at the next start.
    owner = models.JSONField(default=dict, blank=True)
    interrupted = models.BooleanField(default=False)  # failed because its process ended (recovery.py)
    documents = models.ManyToManyField(GeneratedDocument, related_name="jobs", blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("文档生成任务")
        verbose_name_plural = _("文档生成任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 0


class AgencyProfile(models.Model):
    """The 测评机构's own data for its reports: its code in the report number, the pattern of that
    number, and the contact printed in the 网络安全等级测评基本信息表."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="agency_profile"
    )
    agency_code = models.CharField(_("测评机构代码（4 位）"), max_length=4, blank=True)
    report_number_pattern = models.CharField(
        _("报告编号格式"), max_length=100, blank=True, help_text=_("留空使用默认格式")
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.CharField(_("电子邮件"), max_length=100, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("测评机构信息")
        verbose_name_plural = _("测评机构信息")

    def __str__(self) -> str:
        return str(self.organisation)
