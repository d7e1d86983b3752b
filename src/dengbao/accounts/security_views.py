"""The security administrator's pages: accounts (lock, two-factor, platform role) and API tokens.

Every action checks ``platform.security`` (or ``platform.grant_roles``) before looking the
target up, so nobody else learns whether a user or token exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dengbao.actions import action, back_to

from . import auth, permissions, services, tokens
from .manage_forms import PlatformRoleForm
from .models import User
from .roles import PlatformRole


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    users = auth.security_user_list(actor=request.user, query=query)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    can_grant = permissions.can(request.user, "platform.grant_roles")
    rows = [
        {
            "user": u,
            "locked_minutes": auth.lock_remaining_minutes(u),
            "two_factor_required": auth.needs_two_factor(u),
            "role_form": PlatformRoleForm(initial={"platform_role": u.platform_role}, prefix=f"u{u.pk}")
            if can_grant and u.pk != request.user.pk
            else None,
        }
        for u in page
    ]
    return render(request, "accounts/security.html", {"page": page, "rows": rows, "q": query})


def _target(request: HttpRequest, user_id: int, action: str = "platform.security") -> User:
    permissions.require(request.user, action)  # before revealing whether the user exists
    return get_object_or_404(User, pk=user_id)


@login_required
@require_POST
def security_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _target(request, user_id)
    auth.account_unlock(actor=request.user, user=target)
    messages.success(request, _("已解除 %(user)s 的锁定。") % {"user": target.get_username()})
    return redirect("accounts:security")


_BACK = back_to("accounts:security")


@login_required
@action(back=_BACK, join=" ")  # POST first, as require_POST: these pages are platform-wide
def security_otp_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _target(request, user_id)
    auth.otp_reset(actor=request.user, user=target)
    messages.success(
        request,
        _("已重置 %(user)s 的双因素认证：其全部登录已结束、API 令牌已吊销，下次登录时需重新绑定。")
        % {"user": target.get_username()},
    )
    return redirect("accounts:security")


@login_required
@action(back=_BACK, join=" ")
def security_role_set(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _target(request, user_id, "platform.grant_roles")
    form = PlatformRoleForm(request.POST, prefix=f"u{target.pk}")
    if not form.is_valid():
        messages.error(request, _("未知的平台角色。"))
        return redirect("accounts:security")
    services.platform_role_set(actor=request.user, user=target, role=form.cleaned_data["platform_role"])
    messages.success(
        request,
        _("%(user)s 的平台角色现为：%(role)s。")
        % {"user": target.get_username(), "role": PlatformRole(target.platform_role).label},
    )
    return redirect("accounts:security")


@never_cache
@login_required
def security_tokens(request: HttpRequest) -> HttpResponse:
    """Every user's API tokens: owner, name, created, last used, expiry, with revoke."""
    owner = request.GET.get("owner", "").strip()[:100]
    standing = request.GET.get("standing") == "1"
    rows = tokens.token_list_all(actor=request.user, owner=owner, standing_only=standing)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {"page": page, "owner": owner, "standing": standing}
    return render(request, "accounts/security_tokens.html", context)


@login_required
@require_POST
def security_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    permissions.require(request.user, "platform.security")
    token = tokens.token_get(actor=request.user, token_id=token_id)
    tokens.token_revoke(actor=request.user, token=token)
    messages.success(
        request,
        _("已吊销 %(owner)s 的令牌“%(name)s”。") % {"owner": token.user.get_username(), "name": token.name},
    )
    return redirect("accounts:security_tokens")
