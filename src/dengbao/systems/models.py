"""定级对象 (graded systems), their grading workflow and their filing (定级备案)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao import terms
from dengbao.core import filing as f
from dengbao.core import filing_rules

from .workflow import GradingState


def _choices(pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return terms.choices(pairs)


class UnitProfile(models.Model):
    """表一 单位基本情况 of a client organisation."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="unit_profile"
    )
    province = models.CharField(_("省（自治区、直辖市）"), max_length=50, blank=True)
    prefecture = models.CharField(_("地（区、市、州、盟）"), max_length=50, blank=True)
    county = models.CharField(_("县（区、市、旗）"), max_length=50, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=10, blank=True)
    region_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    head_name = models.CharField(_("单位负责人"), max_length=50, blank=True)
    head_title = models.CharField(_("负责人职务/职称"), max_length=50, blank=True)
    head_phone = models.CharField(_("负责人办公电话"), max_length=30, blank=True)
    head_email = models.CharField(_("负责人电子邮件"), max_length=100, blank=True)
    department = models.CharField(_("责任部门"), max_length=100, blank=True)
    contact_name = models.CharField(_("责任部门联系人"), max_length=50, blank=True)
    contact_title = models.CharField(_("联系人职务/职称"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系人办公电话"), max_length=30, blank=True)
    contact_mobile = models.CharField(_("联系人移动电话"), max_length=30, blank=True)
    contact_email = models.CharField(_("联系人电子邮件"), max_length=100, blank=True)
    affiliation = models.CharField(_("隶属关系"), max_length=2, choices=_choices(f.AFFILIATIONS), blank=True)
    unit_type = models.CharField(_("单位类型"), max_length=2, choices=_choices(f.UNIT_TYPES), blank=True)
    industry = models.CharField(_("行业类别"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("单位备案信息")
        verbose_name_plural = _("单位备案信息")

    def __str__(self) -> str:
        return str(self.organisation)


class InformationSystem(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="systems"
    )
    name = models.CharField(_("系统名称"), max_length=200)
    code = models.CharField(_("系统编号"), max_length=64, blank=True)
    description = models.TextField(_("业务描述"), blank=True)
    proposed_level = models.PositiveSmallIntegerField(_("拟定等级"), null=True, blank=True)
    projects = models.ManyToManyField("accounts.Project", related_name="systems", blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级系统"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    department = models.CharField(_("责任部门"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    business_type = models.CharField(
        _("业务类型"), max_length=2, choices=_choices(f.BUSINESS_TYPES), blank=True
    )
    service_scope = models.CharField(
        _("服务范围"), max_length=2, choices=_choices(f.SERVICE_SCOPES), blank=True
    )
    service_audience = models.CharField(
        _("服务对象"), max_length=2, choices=_choices(f.SERVICE_AUDIENCES), blank=True
    )
    deployment_scope = models.CharField(
        _("部署范围"), max_length=2, choices=_choices(f.DEPLOYMENT_SCOPES), blank=True
    )
    network_nature = models.CharField(
        _("网络性质"), max_length=2, choices=_choices(f.NETWORK_NATURES), blank=True
    )
    interconnections = models.TextField(_("互联情况"), blank=True)
    technology_types = models.JSONField(_("技术类型"), default=list, blank=True)
    go_live = models.DateField(_("投入运行日期"), null=True, blank=True)
    competent_authority = models.CharField(_("行业主管（监管）部门"), max_length=100, blank=True)
    responsible_subject = models.TextField(_("责任主体"), blank=True)
    composition = models.TextField(_("定级对象构成"), blank=True)
    carried_business = models.TextField(_("承载业务"), blank=True)
    carried_data = models.TextField(_("承载数据"), blank=True)
    security_responsibility = models.TextField(_("安全责任"), blank=True)
    topology = models.FileField(_("拓扑图"), upload_to="systems/topology/", blank=True)
    # Facts that trigger the grading rules (GB/T 22240-2020 ch.7 and sector rules)
    is_support_platform = models.BooleanField(_("支撑性对象（云平台、通信网络等）"), default=False)
    big_data_with_personal_info = models.BooleanField(_("涉及大量个人信息的大数据平台"), default=False)
    sector_minimum_level = models.PositiveSmallIntegerField(_("行业规定最低等级"), null=True, blank=True)
    sector_rule = models.CharField(_("行业规定"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("定级对象")
        verbose_name_plural = _("定级对象")
        ordering = ["organisation", "code", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="system_name_per_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def technology_labels(self) -> list[str]:
        return [terms.term(f.label(f.TECHNOLOGY_TYPES, code) or code) for code in self.technology_types]

    @property
    def current_grading(self) -> Grading | None:
        return self.gradings.order_by("-version").first()


class DataCategory(models.Model):
    """数据摸底: one data category the system holds."""

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="data_categories")
    name = models.CharField(_("数据类别"), max_length=100)
    data_level = models.CharField(
        _("拟定数据级别"), max_length=16, choices=_choices(f.DATA_LEVELS), blank=True
    )
    personal_info = models.BooleanField(_("含个人信息"), default=False)
    volume = models.CharField(_("数据总量"), max_length=50, blank=True)
    monthly_growth = models.CharField(_("月增长量"), max_length=50, blank=True)
    source = models.CharField(_("数据来源"), max_length=200, blank=True)
    source_units = models.CharField(_("来源单位"), max_length=200, blank=True)
    recipients = models.CharField(_("流出单位"), max_length=200, blank=True)
    storage = models.CharField(_("存储位置"), max_length=200, blank=True)
    inside_china = models.BooleanField(_("境内存储"), default=True)

    class Meta:
        verbose_name = _("数据类别")
        verbose_name_plural = _("数据类别")
        ordering = ["system", "pk"]

    def __str__(self) -> str:
        return self.name


class Grading(models.Model):
    """One grading of a system (a new version on every 等级变更), with its workflow state."""

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="gradings")
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, related_name="gradings")
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(
        _("状态"), max_length=16, choices=GradingState.choices, default=GradingState.DRAFT
    )
    business_harms = models.JSONField(_("业务信息：受侵害客体与程度"), default=list)
    service_harms = models.JSONField(_("系统服务：受侵害客体与程度"), default=list)
    business_description = models.TextField(_("业务信息描述"), blank=True)
    service_description = models.TextField(_("系统服务描述"), blank=True)
    business_level = models.PositiveSmallIntegerField(_("业务信息安全保护等级"), null=True, blank=True)
    service_level = models.PositiveSmallIntegerField(_("系统服务安全保护等级"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("安全保护等级"), null=True, blank=True)
    sa = models.CharField(_("S/A 组合"), max_length=8, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    reason_for_change = models.TextField(_("变更原因"), blank=True)
    # 专家评审
    review_date = models.DateField(_("专家评审日期"), null=True, blank=True)
    review_experts = models.JSONField(_("评审专家"), default=list, blank=True)
    review_opinion = models.TextField(_("专家评审意见"), blank=True)
    review_form = models.FileField(_("签字的专家评审意见表"), upload_to="systems/reviews/", blank=True)
    # 主管部门核准
    authority_date = models.DateField(_("主管部门核准日期"), null=True, blank=True)
    authority_opinion = models.TextField(_("主管部门核准意见"), blank=True)
    # 公安备案审核
    police_bureau = models.CharField(_("受理备案的公安机关"), max_length=100, blank=True)
    police_date = models.DateField(_("公安机关审核日期"), null=True, blank=True)
    police_opinion = models.TextField(_("公安机关审核意见"), blank=True)
    graded_on = models.DateField(_("定级日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("定级")
        verbose_name_plural = _("定级")
        ordering = ["system", "-version"]
        constraints = [models.UniqueConstraint(fields=["system", "version"], name="one_grading_version")]

    def __str__(self) -> str:
        return f"{self.system} v{self.version} {self.sa or ''}"


class Filing(models.Model):
    """备案 and the 备案证明 (certificate) of a system."""

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="filings")
    grading = models.ForeignKey(
        Grading, on_delete=models.PROTECT, related_name="filings", null=True, blank=True
    )
    bureau = models.CharField(_("受理备案的公安机关"), max_length=100)
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    certificate_number = models.CharField(_("备案证明编号"), max_length=64, blank=True)
    certificate_issued_on = models.DateField(_("备案证明签发日期"), null=True, blank=True)
    certificate_scan = models.FileField(_("备案证明扫描件"), upload_to="systems/certificates/", blank=True)
    assessments_completed = models.JSONField(_("已完成等级测评日期"), default=list, blank=True)
    # "" = not recorded: then the submission date decides (before 公网安〔2025〕1846号 = the old forms)
    form_edition = models.CharField(
        _("备案材料版本"), max_length=8, choices=_choices(filing_rules.EDITIONS), blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("备案")
        verbose_name_plural = _("备案")
        ordering = ["system", "-created_at"]

    def __str__(self) -> str:
        return f"{self.system}: {self.certificate_number or self.bureau}"

    @property
    def edition(self) -> str:
        return filing_rules.edition(self.form_edition, self.submitted_on)
