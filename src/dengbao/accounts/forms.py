"""Forms of the sign-in and profile pages. They check shape only; the services in auth.py decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        max_length=4096,  # bounds the work a single request can ask of the password hasher
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("6 位验证码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]{6,7}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if len(token) != 6 or not token.isascii() or not token.isdigit():
            raise ValidationError(_("请输入身份验证器显示的 6 位数字。"), code="format")
        return token


class TokenCreateForm(forms.Form):
    DAYS = ((30, _("30 天")), (90, _("90 天")), (180, _("180 天")), (365, _("365 天")))

    name = forms.CharField(
        label=_("用途"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("例如：CI 导入扫描结果"),
    )
    days_valid = forms.TypedChoiceField(label=_("有效期"), choices=DAYS, coerce=int, initial=90)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password checked, AUTH_PASSWORD_VALIDATORS applied), on a page with other forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
