from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dengbao import terms
from dengbao.core import filing as f
from dengbao.core.grading import DEGREES, OBJECTS

from .models import DataCategory, InformationSystem

OBJECT_KEYS = {"rights": OBJECTS[0], "order": OBJECTS[1], "national": OBJECTS[2]}


class SystemForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a parent is another system of the same unit, never itself
            self.fields["parent"].queryset = InformationSystem.objects.filter(
                organisation_id=self.instance.organisation_id
            ).exclude(pk=self.instance.pk)

    technology_types = forms.MultipleChoiceField(
        label=_("技术类型"),
        choices=terms.choices(f.TECHNOLOGY_TYPES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = InformationSystem
        fields = [
            "name", "code", "description", "department", "contact_name", "contact_phone", "business_type",
            "service_scope", "service_audience", "deployment_scope", "network_nature", "interconnections",
            "technology_types", "go_live", "competent_authority", "responsible_subject", "composition",
            "carried_business", "carried_data", "security_responsibility", "is_support_platform",
            "big_data_with_personal_info", "sector_minimum_level", "sector_rule", "parent",
        ]  # fmt: skip
        widgets = {
            "go_live": forms.DateInput(attrs={"type": "date"}),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "description", "interconnections", "responsible_subject", "composition",
                    "carried_business", "carried_data", "security_responsibility",
                )
            },
        }  # fmt: skip


class DataCategoryForm(forms.ModelForm):
    class Meta:
        model = DataCategory
        fields = [
            "name", "data_level", "personal_info", "volume", "monthly_growth", "source", "source_units",
            "recipients", "storage", "inside_china",
        ]  # fmt: skip


class TopologyForm(forms.Form):
    image = forms.ImageField(label=_("拓扑图（PNG/JPEG）"))


def harms_from_post(data, prefix: str) -> list[dict[str, str]]:
    """The harmed objects ticked for one dimension ('b' or 's') of the grading form."""
    harms = []
    for key, obj in OBJECT_KEYS.items():
        if data.get(f"{prefix}_{key}"):
            harms.append(
                {
                    "object": obj.value,
                    "degree": data.get(f"{prefix}_{key}_degree", ""),
                    "justification": data.get(f"{prefix}_{key}_why", "").strip()[:2000],
                }
            )
    return harms


def harms_initial(harms: list[dict[str, str]], prefix: str) -> dict[str, str]:
    reverse = {obj.value: key for key, obj in OBJECT_KEYS.items()}
    out: dict[str, str] = {}
    for harm in harms:
        key = reverse.get(harm["object"])
        if key:
            out[f"{prefix}_{key}"] = "on"
            out[f"{prefix}_{key}_degree"] = harm["degree"]
            out[f"{prefix}_{key}_why"] = harm.get("justification", "")
    return out


DEGREE_CHOICES = [(d.value, d.full_name) for d in DEGREES]


class ReviewForm(forms.Form):
    review_date = forms.DateField(label=_("评审日期"), widget=forms.DateInput(attrs={"type": "date"}))
    review_experts = forms.CharField(
        label=_("评审专家"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一位：姓名，职称/单位"),
        error_messages={"required": _("至少填写一位评审专家")},
    )
    review_opinion = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 3}))
    review_form = forms.FileField(label=_("签字的评审意见表（可选）"), required=False)

    def clean_review_experts(self) -> list[str]:
        experts = [line.strip() for line in self.cleaned_data["review_experts"].splitlines() if line.strip()]
        if not experts:
            raise forms.ValidationError(_("至少填写一位评审专家"))
        return experts


class AuthorityForm(forms.Form):
    authority_date = forms.DateField(label=_("核准日期"), widget=forms.DateInput(attrs={"type": "date"}))
    authority_opinion = forms.CharField(label=_("核准意见"), widget=forms.Textarea(attrs={"rows": 3}))


class PoliceForm(forms.Form):
    police_bureau = forms.CharField(label=_("受理备案的公安机关"), max_length=100)
    police_date = forms.DateField(label=_("审核日期"), widget=forms.DateInput(attrs={"type": "date"}))
    police_opinion = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ChangeForm(forms.Form):
    reason = forms.CharField(label=_("变更原因"), widget=forms.Textarea(attrs={"rows": 3}))


class FilingForm(forms.Form):
    bureau = forms.CharField(label=_("受理备案的公安机关"), max_length=100)
    submitted_on = forms.DateField(
        label=_("提交日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    accepted_on = forms.DateField(
        label=_("受理日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    certificate_number = forms.CharField(label=_("备案证明编号"), max_length=64, required=False)
    certificate_issued_on = forms.DateField(
        label=_("备案证明签发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    form_edition = forms.ChoiceField(
        label=_("备案材料版本"),
        required=False,
        choices=[
            ("", _("按提交日期判断")),
            ("2025", _("2025 版定级报告与备案表")),
            ("legacy", _("旧版（2025 年以前）")),
        ],
        help_text=_(
            "2025 年 4 月 27 日（公网安〔2025〕1846号）以前提交的备案视为旧版，须按 2025 模板重新备案"
        ),
    )
    assessments_completed = forms.CharField(
        label=_("已完成等级测评的日期"), required=False, help_text=_("每行一个日期，如 2025-12-01")
    )

    def clean_assessments_completed(self) -> list[str]:
        import datetime as dt

        out = []
        for line in self.cleaned_data["assessments_completed"].split():
            try:
                out.append(dt.date.fromisoformat(line.strip()).isoformat())
            except ValueError:
                raise forms.ValidationError(_("“%(v)s”不是有效日期（YYYY-MM-DD）") % {"v": line}) from None
        return sorted(out)


class SystemCreateForm(forms.Form):
    name = forms.CharField(label=_("系统名称"), max_length=200)
    code = forms.CharField(label=_("系统编号"), max_length=64, required=False)
    description = forms.CharField(
        label=_("业务描述"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UnitProfileForm(forms.ModelForm):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    address = forms.CharField(label=_("详细地址"), max_length=300, required=False)

    class Meta:
        from .models import UnitProfile

        model = UnitProfile
        fields = [
            "province", "prefecture", "county", "postcode", "region_code", "head_name", "head_title",
            "head_phone", "head_email", "department", "contact_name", "contact_title", "contact_phone",
            "contact_mobile", "contact_email", "affiliation", "unit_type", "industry",
        ]  # fmt: skip
