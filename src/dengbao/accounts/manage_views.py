"""Administration pages: the system administrator's accounts, organisations and projects; the
security administrator's (and a project manager's) member lists. Thin: forms validate, services
write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import permissions, selectors, services
from .manage_forms import MemberForm, OrganisationForm, ProjectForm, UserCreateForm, UserEditForm
from .models import User


def _form_error(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.user_list(actor=request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                organisation=data["organisation"],
                display_name=data["display_name"],
                email=data["email"],
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, _("已创建用户 %(u)s。") % {"u": user.username})
            return redirect("manage:user_list")
    return render(request, "manage/user_list.html", {"users": users, "form": form})


def _user_target(request: HttpRequest, user_id: int) -> User:
    try:
        return selectors.user_get(actor=request.user, user_id=user_id)
    except User.DoesNotExist:
        raise Http404 from None


def _user_edit_page(
    request: HttpRequest, target: User, form: UserEditForm, new_password: str = ""
) -> HttpResponse:
    context = {"target": target, "form": form, "new_password": new_password}
    return render(request, "manage/user_edit.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _user_target(request, user_id)
    initial = {
        "display_name": target.display_name,
        "organisation": target.organisation,
        "email": target.email,
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("manage:user_list")
    return _user_edit_page(request, target, form)


@never_cache
@login_required
@require_POST
def user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """A generated password, shown on this answer only (rendered, never stored in a message)."""
    target = _user_target(request, user_id)
    password = services.generate_password()
    form = UserEditForm(
        initial={
            "display_name": target.display_name,
            "organisation": target.organisation,
            "email": target.email,
            "is_active": target.is_active,
        }
    )
    try:
        services.user_password_reset(actor=request.user, user=target, password=password)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("manage:user_edit", user_id=target.pk)
    return _user_edit_page(request, target, form, new_password=password)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_list(actor=request.user)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.organisation_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("已创建单位。"))
        return redirect("manage:organisation_list")
    return render(request, "manage/organisation_list.html", {"organisations": organisations, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request: HttpRequest) -> HttpResponse:
    """Every project's metadata: the system administrator creates projects here, the security
    administrator goes from here to their members."""
    projects = selectors.admin_project_list(actor=request.user)
    can_create = permissions.can(request.user, "platform.manage_projects")
    form = ProjectForm(request.POST or None) if can_create else None
    if request.method == "POST":
        if form is None:
            permissions.require(request.user, "platform.manage_projects")
        elif form.is_valid():
            try:
                project = services.project_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request, _("已创建项目 %(p)s。项目成员由安全管理员分配。") % {"p": project.name}
                )
                return redirect("manage:project_list")
    context = {
        "projects": projects,
        "form": form,
        "can_assign": permissions.can(request.user, "platform.assign_members"),
    }
    return render(request, "manage/project_list.html", context)


def _members_project(request: HttpRequest, project: str):
    """The security administrator reaches every project's members; a manager their own project's."""
    if permissions.can(request.user, "platform.assign_members"):
        return selectors.admin_project_get(actor=request.user, slug=project)
    return selectors.project_get(actor=request.user, slug=project, action="project.manage_members")


@login_required
@require_http_methods(["GET", "POST"])
def project_members(request: HttpRequest, project: str) -> HttpResponse:
    from .models import Project

    try:
        obj = _members_project(request, project)
    except Project.DoesNotExist:
        raise Http404 from None
    form = MemberForm(request.POST or None, project=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set(actor=request.user, project=obj, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已更新项目成员。"))
            return redirect("manage:project_members", project=obj.slug)
    members = obj.memberships.select_related("user", "user__organisation").order_by("role", "user__username")
    return render(
        request,
        "manage/project_members.html",
        {"project": obj, "members": members, "form": form, "active_module": "members"},
    )


@login_required
def project_member_remove(request: HttpRequest, project: str, user_id: int) -> HttpResponse:
    from .models import Project

    try:
        obj = _members_project(request, project)
    except Project.DoesNotExist:
        raise Http404 from None
    if request.method != "POST":  # after the permission check: a foreign user learns nothing
        return HttpResponseNotAllowed(["POST"])
    member = obj.memberships.filter(user_id=user_id).select_related("user").first()
    if member is None:
        raise Http404
    try:
        services.membership_remove(actor=request.user, project=obj, user=member.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已移除 %(u)s。") % {"u": member.user})
    return redirect("manage:project_members", project=obj.slug)
