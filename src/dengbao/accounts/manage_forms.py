"""Forms of the administration pages (users, organisations, projects, members)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User
from .roles import OrganisationKind, PlatformRole, ProjectRole


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=OrganisationKind.choices)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Organisation.objects.filter(name=name).exists():
            raise forms.ValidationError(_("已有同名单位。"))
        return name


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=100)
    organisation = forms.ModelChoiceField(label=_("所属单位"), queryset=Organisation.objects.all())
    email = forms.EmailField(label=_("电子邮件"), required=False)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名已被使用。"))
        return username


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=100)
    organisation = forms.ModelChoiceField(
        label=_("所属单位"), queryset=Organisation.objects.all(), required=False
    )
    email = forms.EmailField(label=_("电子邮件"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)


class ProjectForm(forms.Form):
    slug = forms.SlugField(
        label=_("标识"), max_length=64, help_text=_("用于网址和命令行，例如 hospital-2026")
    )
    name = forms.CharField(label=_("项目名称"), max_length=200)
    client = forms.ModelChoiceField(
        label=_("被测单位"), queryset=Organisation.objects.filter(kind=OrganisationKind.CLIENT)
    )
    provider = forms.ModelChoiceField(
        label=_("服务机构"), queryset=Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
    )
    start_date = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_slug(self) -> str:
        from .models import Project

        slug = self.cleaned_data["slug"]
        if Project.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("该标识已被使用。"))
        return slug


class MemberForm(forms.Form):
    """Platform administrators are not offered (三权分立); the service refuses them anyway."""

    user = forms.ModelChoiceField(
        label=_("用户"), queryset=User.objects.filter(is_active=True, platform_role=PlatformRole.NONE)
    )
    role = forms.ChoiceField(label=_("项目角色"), choices=ProjectRole.choices)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["user"].queryset = User.objects.filter(
                is_active=True,
                platform_role=PlatformRole.NONE,
                organisation_id__in=[project.client_id, project.provider_id],
            ).order_by("organisation", "username")


class PlatformRoleForm(forms.Form):
    """The security administrator's grant of a platform role (the service checks the rules)."""

    platform_role = forms.ChoiceField(
        label=_("平台角色"),
        choices=PlatformRole.choices,
        required=False,
        widget=forms.Select(attrs={"aria-label": _("平台角色")}),
    )
