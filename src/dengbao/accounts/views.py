"""Sign-in, second factor and profile; auth.py and tokens.py decide. The security administrator's
pages are in security_views.py."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import auth, permissions, tokens
from .auth import NextStep
from .forms import LoginForm, OtpTokenForm, PasswordChangeForm, TokenCreateForm
from .roles import PlatformRole, ProjectRole


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing in: a same-site ``next`` or the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{resolve_url(url_name)}?{urlencode({'next': next_url})}"


def _after_password(step: NextStep, next_url: str) -> str:
    if step is NextStep.VERIFY:
        return _with_next("accounts:otp_verify", next_url)
    if step is NextStep.ENROL:
        return _with_next("accounts:otp_setup", next_url)
    return next_url


# --- Sign in and out ------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = auth.login_attempt(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"], request=request
        )
        if outcome.ok:
            return redirect(_after_password(outcome.next_step, next_url))
        form.add_error(None, outcome.message)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout_user(request=request)
    messages.info(request, _("您已安全退出。"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Second factor --------------------------------------------------------------


@sensitive_post_parameters("token")
@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if auth.confirmed_device(request.user) is None:
        return redirect(_after_password(auth.second_factor_step(request.user), next_url))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = auth.otp_verify_attempt(request=request, token=form.cleaned_data["token"])
        if outcome.ok:
            return redirect(next_url)
        if outcome.status is auth.Status.LOCKED:  # the service has signed the session out
            messages.error(request, outcome.message)
            return redirect("accounts:login")
        form.add_error("token", outcome.message)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


def _provisioning(device: TOTPDevice) -> tuple[str, str]:
    """The enrolment QR code as inline SVG (no external image) and the key in groups of four."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#1f2933")
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return mark_safe(svg), " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))  # noqa: S308


@sensitive_post_parameters("token")
@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if auth.confirmed_device(request.user) is not None:
        if request.user.is_verified():
            messages.info(request, _("您已启用双因素认证。"))
            return redirect("accounts:profile")
        return redirect(_with_next("accounts:otp_verify", next_url))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if auth.otp_enrol(request=request, token=form.cleaned_data["token"]):
            messages.success(request, _("双因素认证已启用。今后登录时需输入身份验证器中的验证码。"))
            return redirect(next_url)
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重新输入。"))
    device = auth.otp_device_pending(user=request.user)
    qr_svg, secret = _provisioning(device)
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr_svg,
        "secret": secret,
        "required": auth.second_factor_step(request.user) is NextStep.ENROL,
    }
    return render(request, "accounts/otp_setup.html", context)


# --- Profile: password and API tokens ---------------------------------------------


def _profile(
    request: HttpRequest,
    *,
    password_form: PasswordChangeForm | None = None,
    token_form: TokenCreateForm | None = None,
    new_token: str = "",
) -> HttpResponse:
    user = request.user
    memberships = [
        (m.project.name, ProjectRole(m.role).label)
        for m in user.memberships.select_related("project").order_by("project__name")
    ]
    context = {
        "platform_role": PlatformRole(user.platform_role).label,
        "memberships": memberships,
        "two_factor_on": auth.confirmed_device(user) is not None,
        "two_factor_required": any(permissions.roles_needing_two_factor(user)),
        "password_form": password_form or PasswordChangeForm(user),
        "token_form": token_form or TokenCreateForm(),
        "api_tokens": tokens.token_list(actor=user),
        "new_token": new_token,
        "can_security": permissions.can(user, "platform.security"),
    }
    return render(request, "accounts/profile.html", context)


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _profile(request)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return _profile(request, password_form=form)
    auth.password_change(request=request, new_password=form.cleaned_data["new_password1"])
    messages.success(request, _("密码已修改。其他设备上的登录已失效，API 令牌已全部吊销。"))
    return redirect("accounts:profile")


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _profile(request, token_form=form)
    _token, plain = tokens.token_create(
        actor=request.user, name=form.cleaned_data["name"], days_valid=form.cleaned_data["days_valid"]
    )
    # Rendered, not redirected: the plain token must not pass through the session or a message.
    return _profile(request, new_token=plain)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = tokens.token_get_own(actor=request.user, token_id=token_id)
    tokens.token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
    return redirect("accounts:profile")
