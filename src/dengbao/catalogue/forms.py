from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dengbao import terms
from dengbao.core.catalogue.query import SA_RE
from dengbao.core.catalogue.vocab import CATEGORIES, OBJECT_TYPES, PARTS

LEVELS = [("", _("全部级别")), *terms.choices((str(n), f"第{n}级") for n in range(1, 5))]
PART_CHOICES = [("", _("全部部分")), *terms.choices((key, name) for key, (_digit, name) in PARTS.items())]
CATEGORY_CHOICES = [("", _("全部安全类")), *terms.choices((c.code, c.name) for c in CATEGORIES)]
OBJECT_CHOICES = [("", _("全部对象类型")), *terms.choices((o, o) for o in OBJECT_TYPES)]
EXTENSION_CHOICES = terms.choices((key, name) for key, (_digit, name) in PARTS.items() if key != "general")


class BrowseForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("级别"), choices=LEVELS, required=False)
    part = forms.ChoiceField(label=_("部分"), choices=PART_CHOICES, required=False)
    category = forms.ChoiceField(label=_("安全类"), choices=CATEGORY_CHOICES, required=False)
    control_point = forms.CharField(label=_("控制点"), required=False, max_length=50)
    object_type = forms.ChoiceField(label=_("测评对象"), choices=OBJECT_CHOICES, required=False)


class CompareForm(forms.Form):
    lower = forms.TypedChoiceField(label=_("较低级别"), choices=LEVELS[1:], coerce=int, initial=2)
    higher = forms.TypedChoiceField(label=_("较高级别"), choices=LEVELS[1:], coerce=int, initial=3)
    part = forms.ChoiceField(label=_("部分"), choices=PART_CHOICES[1:], initial="general")

    def clean(self):
        data = super().clean()
        if data.get("lower") and data.get("higher") and data["lower"] >= data["higher"]:
            raise forms.ValidationError(_("较高级别须高于较低级别。"))
        return data


class ExportForm(forms.Form):
    level = forms.TypedChoiceField(label=_("级别"), choices=LEVELS[1:], coerce=int, required=False)
    sa = forms.CharField(
        label=_("S/A 组合"),
        required=False,
        max_length=4,
        help_text=_("如 S3A2；填写后按 附录A 规则选取要求项"),
    )
    extensions = forms.MultipleChoiceField(
        label=_("扩展要求"), choices=EXTENSION_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean_sa(self) -> str:
        sa = self.cleaned_data["sa"].strip().upper()
        if sa and not SA_RE.match(sa):
            raise forms.ValidationError(_("格式应为 S<级别>A<级别>，如 S3A2。"))
        return sa

    def clean(self):
        data = super().clean()
        if not data.get("level") and not data.get("sa"):
            raise forms.ValidationError(_("请选择级别或填写 S/A 组合。"))
        return data


class WordingUploadForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DENGBAO_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大。"))
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv")):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        return upload
