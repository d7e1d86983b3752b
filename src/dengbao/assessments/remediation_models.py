"""The remediation plan (整改计划): one task per problem, the client's evidence, the provider's verification.

Imported at the end of ``models.py`` so Django sees these models in the assessments app.
The rules (who may do what, which status follows which) live in ``remediation_services``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["RemediationEvidence", "RemediationTask"]


class RemediationTask(models.Model):
    """What the owner will do about one problem, by when, and whether the provider accepted it.

    待整改 → 整改中 (the owner starts: edits the measure or uploads evidence) → 待验证 (the
    owner submits) → 已验证 (the provider verifies; the problem becomes 已整改) or 已退回
    (the provider rejects with a note; the owner works on and submits again).
    """

    class Status(models.TextChoices):
        TODO = "todo", _("待整改")
        DOING = "doing", _("整改中")
        SUBMITTED = "submitted", _("待验证")
        VERIFIED = "verified", _("已验证")
        REJECTED = "rejected", _("已退回")

    # the owner may still work on the task (upload evidence, edit the measure, submit)
    OPEN = (Status.TODO, Status.DOING, Status.REJECTED)

    problem = models.ForeignKey("assessments.Problem", on_delete=models.CASCADE, related_name="tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="remediation_tasks",
        verbose_name=_("负责人"),
    )
    due_date = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.TODO)
    measure = models.TextField(_("整改措施"), blank=True)
    client_note = models.TextField(_("整改说明"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verification_note = models.TextField(_("验证意见"), blank=True)
    # the 复测 whose results found the unit 符合 and so closed the task (None: closed by a person)
    closed_by_round = models.ForeignKey(
        "assessments.Round", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改任务")
        verbose_name_plural = _("整改任务")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="remediation_status_due")]

    def __str__(self) -> str:
        return f"{self.problem.unit_id} {self.problem.title} → {self.owner}"

    def is_overdue(self, today: date | None = None) -> bool:
        """Past its due date while still the owner's to do (a submitted task waits on the provider)."""
        return self.status in self.OPEN and self.due_date < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def summary(self) -> dict[str, object]:
        return {
            "owner": self.owner_id,
            "due_date": self.due_date.isoformat() if self.due_date else "",
            "status": self.status,
            "measure": self.measure[:200],
            "client_note": self.client_note[:200],
            "verification_note": self.verification_note[:200],
        }


class RemediationEvidence(models.Model):
    """A file the owner uploads to show the fix (a screenshot, a configuration, a signed policy)."""

    task = models.ForeignKey(RemediationTask, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="remediation/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改证据")
        verbose_name_plural = _("整改证据")
        ordering = ["task_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename
