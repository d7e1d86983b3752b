"""The year of services: scheduled occurrences, emergency tickets with their SLA events,
training sessions and the client's feedback."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao import terms
from dengbao.core.engagement import service_year, sla

SERVICE_KINDS = terms.choices((k.value, service_year.NAMES[k]) for k in service_year.ServiceKind)


class ServiceOccurrence(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("待完成")
        DONE = "done", _("已完成")
        MISSED = "missed", _("未完成")

    contract = models.ForeignKey("engagements.Contract", on_delete=models.CASCADE, related_name="occurrences")
    kind = models.CharField(_("服务"), max_length=20, choices=SERVICE_KINDS)
    sequence = models.PositiveSmallIntegerField()
    title = models.CharField(_("名称"), max_length=100)
    due_on = models.DateField(_("到期日"))
    holiday = models.CharField(_("节假日"), max_length=100, blank=True)  # "春节 2020-01-24～2020-02-02"
    owner = models.ForeignKey(
        "accounts.User",
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    proof = models.CharField(
        _("完成记录"), max_length=500, blank=True
    )  # a link to the scan, record, training

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["contract", "due_on", "kind", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "sequence"], name="one_occurrence_per_sequence"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_late(self, today) -> bool:
        return self.status != self.Status.DONE and self.due_on < today


PRIORITIES = [(p.value, p.value) for p in sla.Priority]


class SlaPolicy(models.Model):
    contract = models.ForeignKey(
        "engagements.Contract", on_delete=models.CASCADE, related_name="sla_policies"
    )
    priority = models.CharField(_("优先级"), max_length=2, choices=PRIORITIES)
    response_minutes = models.PositiveIntegerField(_("响应时限（分钟）"))
    on_site_minutes = models.PositiveIntegerField(_("到场时限（分钟）"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务级别")
        verbose_name_plural = _("服务级别")
        ordering = ["contract", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "priority"], name="one_policy_per_priority")
        ]

    def __str__(self) -> str:
        return self.priority


class Ticket(models.Model):
    class Kind(models.TextChoices):
        FAULT = "fault", _("系统故障")
        INCIDENT = "incident", _("安全事件")
        VULNERABILITY = "vulnerability", _("漏洞处置")
        CONSULTING = "consulting", _("安全咨询")

    class Source(models.TextChoices):
        PHONE = "phone", _("电话")
        MONITORING = "monitoring", _("监测告警")
        FINDING = "finding", _("发现的问题")
        PORTAL = "portal", _("客户门户")

    class Status(models.TextChoices):
        OPEN = "open", _("处理中")
        WAITING = "waiting", _("等待客户")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")

    contract = models.ForeignKey("engagements.Contract", on_delete=models.CASCADE, related_name="tickets")
    number = models.PositiveIntegerField(_("编号"))
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    priority = models.CharField(_("优先级"), max_length=2, choices=PRIORITIES)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    description = models.TextField(_("描述"), blank=True)
    systems = models.ManyToManyField("systems.InformationSystem", blank=True, related_name="+")
    on_site_required = models.BooleanField(_("需到场（乙方工具导致的重大故障）"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    assignee = models.ForeignKey(
        "accounts.User",
        verbose_name=_("处理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closing_report = models.TextField(_("结案报告"), blank=True)

    class Meta:
        verbose_name = _("应急响应工单")
        verbose_name_plural = _("应急响应工单")
        ordering = ["contract", "-opened_at"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="one_ticket_number")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class TicketEvent(models.Model):
    """Append-only: the SLA clocks are recomputed from these rows, never stored."""

    KINDS = [
        (sla.EventKind.OPENED.value, _("报告")),
        (sla.EventKind.ACKNOWLEDGED.value, _("已响应")),
        (sla.EventKind.ON_SITE.value, _("已到场")),
        (sla.EventKind.WAITING_CLIENT.value, _("等待客户（计时暂停）")),
        (sla.EventKind.RESUMED.value, _("恢复处理（计时继续）")),
        (sla.EventKind.RESOLVED.value, _("已解决")),
        (sla.EventKind.CLOSED.value, _("已关闭")),
        (sla.EventKind.NOTE.value, _("备注")),
    ]

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=16, choices=KINDS)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["ticket", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def as_core(self) -> sla.Event:
        return sla.Event(sla.EventKind(self.kind), self.at)


class TrainingSession(models.Model):
    contract = models.ForeignKey("engagements.Contract", on_delete=models.CASCADE, related_name="trainings")
    topic = models.CharField(_("主题"), max_length=200)
    trainer = models.CharField(_("讲师"), max_length=100)
    held_on = models.DateField(_("日期"))
    attendees = models.JSONField(_("参训人员"), default=list, blank=True)  # [{"name":…, "department":…}]
    materials = models.TextField(_("培训材料"), blank=True)
    sign_in_sheet = models.FileField(_("签到表"), upload_to="engagements/training/%Y/", blank=True)
    quiz_scores = models.JSONField(_("测验成绩"), default=dict, blank=True)  # {name: score}

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["contract", "held_on"]

    def __str__(self) -> str:
        return self.topic


class Feedback(models.Model):
    """服务质量监督: satisfaction visits and complaints, each with how it was handled."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("满意度回访")
        COMPLAINT = "complaint", _("投诉")

    contract = models.ForeignKey("engagements.Contract", on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    received_on = models.DateField(_("日期"))
    person = models.CharField(_("客户方人员"), max_length=100)
    content = models.TextField(_("内容"))
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1–5）"), null=True, blank=True)
    handling = models.TextField(_("处理记录"), blank=True)
    handled_on = models.DateField(_("处理日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务质量反馈")
        verbose_name_plural = _("服务质量反馈")
        ordering = ["contract", "-received_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_on}"
