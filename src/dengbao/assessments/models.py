"""The assessment workbench: assessments, rounds, objects, per-item results with evidence."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao import terms
from dengbao.core.catalogue.vocab import OBJECT_TYPES


class Result(models.TextChoices):
    COMPLIANT = "符合", _("符合")
    PARTIAL = "部分符合", _("部分符合")
    NON_COMPLIANT = "不符合", _("不符合")
    NOT_APPLICABLE = "不适用", _("不适用")


class Scheme(models.TextChoices):
    S2025 = "2025", _("2025 版（符合率）")
    S2021 = "2021", _("2021 版（综合得分，近似）")


class Assessment(models.Model):
    """The 等级测评 of one system, or of a group of systems assessed together."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="assessments")
    name = models.CharField(_("名称"), max_length=200)
    systems = models.ManyToManyField("systems.InformationSystem", related_name="assessments")
    sa = models.CharField(_("S/A 组合"), max_length=8)
    extensions = models.JSONField(_("扩展要求"), default=list, blank=True)
    scheme = models.CharField(_("计分方案"), max_length=8, choices=Scheme.choices, default=Scheme.S2025)
    # The date the report will carry (empty: the day it is generated); it decides the scheme allowed.
    report_date = models.DateField(_("报告日期"), null=True, blank=True)
    scheme_reason = models.TextField(_("使用该计分方案的理由"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("等级测评")
        verbose_name_plural = _("等级测评")
        ordering = ["project_id", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return max(int(self.sa[1]), int(self.sa[3]))

    @property
    def catalogue_note(self) -> str:
        """Why a level-5 assessment tests level-4 items (empty for levels 1-4)."""
        from dengbao.core.catalogue.query import LEVEL5_NOTE, Grade

        return LEVEL5_NOTE if Grade.parse(self.sa).beyond_catalogue else ""


class Round(models.Model):
    """初测 (number 1) or a 复测 (2, 3, …); each keeps its own results."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(default=timezone.now)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("测评轮次")
        verbose_name_plural = _("测评轮次")
        ordering = ["assessment_id", "number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"], name="one_round_number")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.label}"

    @property
    def label(self) -> str:
        return "初测" if self.number == 1 else f"第{self.number - 1}次复测"


class AssessmentObject(models.Model):
    """测评对象: one sampled asset (device, system, document set, person …)."""

    class Importance(models.TextChoices):
        KEY = "key", _("关键")
        IMPORTANT = "important", _("重要")
        NORMAL = "normal", _("一般")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="test_objects")
    kind = models.CharField(_("对象类型"), max_length=32, choices=terms.choices((t, t) for t in OBJECT_TYPES))
    name = models.CharField(_("名称"), max_length=200)
    model_version = models.CharField(_("型号/版本"), max_length=200, blank=True)
    location = models.CharField(_("IP/位置"), max_length=200, blank=True)
    importance = models.CharField(
        _("重要程度"), max_length=16, choices=Importance.choices, default=Importance.NORMAL
    )
    note = models.TextField(_("说明"), blank=True)
    # The 定级对象 this object serves. Empty = shared by every system of the assessment (the machine
    # room, core switches, security devices, management documents, people): it then appears in the
    # report of each. A system's 测评报告 holds only the objects that serve it.
    systems = models.ManyToManyField(
        "systems.InformationSystem",
        related_name="assessment_objects",
        blank=True,
        verbose_name=_("所属定级对象"),
    )

    class Meta:
        verbose_name = _("测评对象")
        verbose_name_plural = _("测评对象")
        ordering = ["assessment_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "name"], name="object_name_per_assessment")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.kind}）"


class ResultRecord(models.Model):
    """One (test unit × object) in a round. ``result`` empty = not yet recorded."""

    class Review(models.TextChoices):
        PENDING = "pending", _("待审核")
        REVIEWED = "reviewed", _("已审核")
        RETURNED = "returned", _("已退回")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    obj = models.ForeignKey(AssessmentObject, on_delete=models.CASCADE, related_name="results")
    unit_id = models.CharField(_("测评单元"), max_length=16)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, blank=True)
    note = models.TextField(_("结果记录"), blank=True)
    methods = models.JSONField(_("测评方法"), default=list, blank=True)
    na_reason = models.TextField(_("不适用理由"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    review = models.CharField(max_length=16, choices=Review.choices, default=Review.PENDING)
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("测评结果")
        verbose_name_plural = _("测评结果")
        ordering = ["round_id", "obj_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "obj", "unit_id"], name="one_result_per_cell")
        ]
        indexes = [models.Index(fields=["round", "unit_id"])]

    def __str__(self) -> str:
        return f"{self.unit_id} × {self.obj.name}: {self.result or '未记录'}"

    def summary(self) -> dict[str, object]:
        return {
            "result": self.result,
            "note": self.note[:200],
            "methods": self.methods,
            "version": self.version,
        }


class OcrState(models.TextChoices):
    """An evidence file's text recognition; empty for files that are not images."""

    PENDING = "pending", _("待识别")
    DONE = "done", _("已识别")
    FAILED = "failed", _("未能识别")


class Evidence(models.Model):
    record = models.ForeignKey(ResultRecord, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    sm3 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Text read from an image by offline OCR in the background (assessments/evidence_ocr.py).
    ocr_state = models.CharField(_("文字识别"), max_length=12, choices=OcrState.choices, blank=True)
    ocr_text = models.TextField(_("识别出的文字"), blank=True)
    ocr_confidence = models.FloatField(_("识别置信度"), null=True, blank=True)
    ocr_error = models.CharField(max_length=300, blank=True)
    ocr_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["record_id", "uploaded_at"]

    def __str__(self) -> str:
        return self.filename


from .adjustment_models import *  # noqa: E402, F403
from .phrase_models import *  # noqa: E402, F403
from .problem_models import *  # noqa: E402, F403
from .remediation_models import *  # noqa: E402, F403
from .waiver_models import *  # noqa: E402, F403
