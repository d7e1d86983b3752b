"""The contract: parties, line items, attachments, phases, extensions, deliverables and payments.

Dates that are *rules* (a deadline, a payment's due date) are not stored: they are computed
by ``core.engagement`` from the facts stored here, so changing a fact moves every date
that depends on it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao.core.engagement import money, schedule


class Contract(models.Model):
    project = models.OneToOneField("accounts.Project", on_delete=models.CASCADE, related_name="contract")
    number = models.CharField(_("合同编号"), max_length=64, blank=True)
    title = models.CharField(_("合同名称"), max_length=200)
    client_party = models.CharField(_("甲方"), max_length=200)
    provider_party = models.CharField(_("乙方"), max_length=200)
    signed_on = models.DateField(_("签订日期"))
    total = models.DecimalField(_("合同总价"), max_digits=14, decimal_places=2)
    penalty_rate = models.DecimalField(
        _("逾期交付违约金（每日）"), max_digits=6, decimal_places=5, default=money.PENALTY_PER_DAY
    )
    interest_rate = models.DecimalField(
        _("逾期付款年利率"), max_digits=6, decimal_places=5, default=Decimal("0.0385")
    )
    service_start = models.DateField(_("安全服务开始日期"), null=True, blank=True)
    # The facts the rule-based deadlines start from (None until they happen).
    survey_done = models.DateField(_("调研报告确认日期"), null=True, blank=True)
    gap_list_delivered = models.DateField(_("差距分析问题列表提交日期"), null=True, blank=True)
    remediation_reported = models.DateField(_("甲方整改报告提交日期"), null=True, blank=True)
    reports_delivered = models.DateField(_("正式测评报告提交日期"), null=True, blank=True)
    accepted_on = models.DateField(_("项目验收日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")

    def __str__(self) -> str:
        return self.number or self.title

    def facts(self) -> schedule.Facts:
        return schedule.Facts(
            signed_on=self.signed_on,
            survey_done=self.survey_done,
            gap_list_delivered=self.gap_list_delivered,
            remediation_reported=self.remediation_reported,
            reports_delivered=self.reports_delivered,
            extensions=tuple(e.as_core() for e in self.extensions.all()),
        )


class LineItem(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="line_items")
    position = models.PositiveSmallIntegerField(_("序号"))
    item = models.CharField(_("项目"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    unit = models.CharField(_("单位/等级"), max_length=50, blank=True)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    systems = models.ManyToManyField("systems.InformationSystem", blank=True, related_name="line_items")
    is_service = models.BooleanField(_("安全服务"), default=False)

    class Meta:
        verbose_name = _("合同明细")
        verbose_name_plural = _("合同明细")
        ordering = ["contract", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.item}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        SIGNED_CONTRACT = "signed_contract", _("签字盖章的合同")
        BID = "bid", _("投标文件")
        OTHER = "other", _("其他")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="engagements/contracts/%Y/")
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("合同附件")
        verbose_name_plural = _("合同附件")
        ordering = ["contract", "kind", "-uploaded_at"]

    def __str__(self) -> str:
        return self.filename


class Phase(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=32)
    name = models.CharField(_("阶段"), max_length=50)
    workdays = models.PositiveSmallIntegerField(_("工期（工作日）"))
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划结束"))
    actual_start = models.DateField(_("实际开始"), null=True, blank=True)
    actual_end = models.DateField(_("实际结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目阶段")
        verbose_name_plural = _("项目阶段")
        ordering = ["contract", "position"]
        constraints = [models.UniqueConstraint(fields=["contract", "key"], name="one_phase_per_key")]

    def __str__(self) -> str:
        return self.name


class Extension(models.Model):
    class Cause(models.TextChoices):
        CLIENT = schedule.Cause.CLIENT.value, _("甲方原因（顺延）")
        PROVIDER = schedule.Cause.PROVIDER.value, _("乙方原因（不顺延）")
        OTHER = schedule.Cause.OTHER.value, _("其他原因（不顺延）")

    class Deadline(models.TextChoices):
        SURVEY = "survey", _("现场调研")
        GAP_LIST = "gap_list", _("现场测评及差距分析问题列表")
        RETEST = "retest", _("复测及测评报告")
        PROJECT = "project", _("项目完成")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="extensions")
    cause = models.CharField(_("原因方"), max_length=16, choices=Cause.choices)
    deadline = models.CharField(_("顺延的期限"), max_length=16, choices=Deadline.choices)
    workdays = models.PositiveSmallIntegerField(_("顺延工作日"))
    reason = models.TextField(_("原因"))
    approved_by = models.ForeignKey(
        "accounts.User", verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(_("批准日期"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        ordering = ["contract", "approved_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_deadline_display()} +{self.workdays}"

    @property
    def extends(self) -> bool:
        return self.cause == schedule.Cause.CLIENT

    def as_core(self) -> schedule.Extension:
        return schedule.Extension(schedule.Cause(self.cause), self.workdays, self.deadline, self.reason)


class Deliverable(models.Model):
    class Kind(models.TextChoices):
        GRADING_REPORT = "grading_report", _("定级报告")
        FILING_FORM = "filing_form", _("备案表")
        ASSESSMENT_REPORT = "assessment_report", _("等级测评报告")
        FILING_CERTIFICATE = "filing_certificate", _("备案证明")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deliverables")
    system = models.ForeignKey("systems.InformationSystem", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("交付物"), max_length=32, choices=Kind.choices)
    document = models.ForeignKey(
        "reports.GeneratedDocument",
        verbose_name=_("交付的文档版本"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(_("编号/说明"), max_length=100, blank=True)  # e.g. the certificate number
    due_on = models.DateField(_("交付期限（另行约定）"), null=True, blank=True)  # None: the project deadline
    delivered_on = models.DateField(_("交付日期"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("验收人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    # the client's word on the delivered version: a comment with the acceptance, or why it is sent back
    review_comment = models.TextField(_("验收意见"), blank=True)
    rejected_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("退回人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("退回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交付物")
        verbose_name_plural = _("交付物")
        ordering = ["contract", "system__code", "system__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "system", "kind"], name="one_deliverable_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.get_kind_display()}"

    def due(self, project_due: date | None) -> date | None:
        """Its own agreed date, else the project deadline; a certificate has none (the police issue it)."""
        if self.due_on or self.kind == self.Kind.FILING_CERTIFICATE:
            return self.due_on
        return project_due

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.rejected_at:
            return "rejected"  # sent back: to be delivered again
        return "delivered" if self.delivered_on else "pending"


class PaymentMilestone(models.Model):
    class Trigger(models.TextChoices):
        SURVEY_CONFIRMED = money.Trigger.SURVEY_CONFIRMED.value, _("调研报告确认后")
        ALL_ACCEPTED = money.Trigger.ALL_ACCEPTED.value, _("全部正式报告及备案证明验收后")
        RETENTION = money.Trigger.RETENTION.value, _("验收满一年后")

    class DueUnit(models.TextChoices):
        WORKDAYS = money.DueUnit.WORKDAYS.value, _("工作日")
        DAYS = money.DueUnit.DAYS.value, _("自然日")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("款项"), max_length=50)
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2)
    trigger = models.CharField(_("付款条件"), max_length=32, choices=Trigger.choices)
    due_in = models.PositiveSmallIntegerField(_("付款期限"))
    due_unit = models.CharField(_("期限单位"), max_length=16, choices=DueUnit.choices)
    after_years = models.PositiveSmallIntegerField(default=0)
    triggered_on = models.DateField(_("条件满足日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("付款节点")
        verbose_name_plural = _("付款节点")
        ordering = ["contract", "position"]

    def __str__(self) -> str:
        return f"{self.name} {self.percent}%"

    def as_core(self) -> money.Milestone:
        return money.Milestone(
            self.name,
            self.percent,
            money.Trigger(self.trigger),
            self.due_in,
            money.DueUnit(self.due_unit),
            self.after_years,
        )


class Invoice(models.Model):
    """发票: goods, software and services are invoiced separately (different VAT rates)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("货物")
        SOFTWARE = "software", _("软件")
        SERVICES = "services", _("服务")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="invoices")
    milestone = models.ForeignKey(
        PaymentMilestone, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    kind = models.CharField(_("发票类别"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("发票号码"), max_length=64)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    issued_on = models.DateField(_("开票日期"))

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["contract", "issued_on", "pk"]

    def __str__(self) -> str:
        return self.number


class Receipt(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="receipts")
    milestone = models.ForeignKey(PaymentMilestone, on_delete=models.PROTECT, related_name="receipts")
    amount = models.DecimalField(_("到账金额"), max_digits=14, decimal_places=2)
    received_on = models.DateField(_("到账日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("到账")
        verbose_name_plural = _("到账")
        ordering = ["contract", "received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} {self.received_on}"


from .followup_models import *  # noqa: E402, F403
from .inspection_models import *  # noqa: E402, F403
from .service_models import *  # noqa: E402, F403
