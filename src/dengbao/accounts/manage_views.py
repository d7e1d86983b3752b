"""Administration pages: the system administrator's accounts, organisations and projects; the
security administrator's (and a project manager's) member lists. Thin: forms validate, services
write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dengbao.actions import action

from . import permissions, selectors, services
from .manage_forms import MemberForm, OrganisationForm, ProjectForm, UserCreateForm, UserEditForm
from .models import User


def _form_error(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _refused_form(form_class, page, *, field: str | None = None, **form_kwargs):
    """``invalid`` of a form page: the form bound again, the service's refusal on it, the page again."""

    def respond(request: HttpRequest, exc: ValidationError, **loaded) -> HttpResponse:
        extra = {k: (v(loaded) if callable(v) else v) for k, v in form_kwargs.items()}
        form = form_class(request.POST, **extra)
        form.is_valid()
        if field is None:
            _form_error(form, exc)
        else:
            form.add_error(field, exc)
        return page(request, form=form, **loaded)

    return respond


def _users(request: HttpRequest) -> dict:
    return {"users": selectors.user_list(actor=request.user)}


def _user_list_page(request: HttpRequest, users, form) -> HttpResponse:
    return render(request, "manage/user_list.html", {"users": users, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@action(
    load=_users,
    methods=("GET", "POST"),
    invalid=_refused_form(UserCreateForm, _user_list_page, field="password"),
)
def user_list(request: HttpRequest, users) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            actor=request.user,
            username=data["username"],
            password=data["password"],
            organisation=data["organisation"],
            display_name=data["display_name"],
            email=data["email"],
        )
        messages.success(request, _("已创建用户 %(u)s。") % {"u": user.username})
        return redirect("manage:user_list")
    return _user_list_page(request, users, form)


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


def _initial(target: User) -> dict:
    return {
        "display_name": target.display_name,
        "organisation": target.organisation,
        "email": target.email,
        "is_active": target.is_active,
    }


def _target(request: HttpRequest, user_id: int) -> dict:
    return {"target": _user_target(request, user_id)}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@action(
    load=_target,
    methods=("GET", "POST"),
    invalid=_refused_form(UserEditForm, _user_edit_page, initial=lambda loaded: _initial(loaded["target"])),
)
def user_edit(request: HttpRequest, target: User) -> HttpResponse:
    form = UserEditForm(request.POST or None, initial=_initial(target))
    if request.method == "POST" and form.is_valid():
        services.user_update(actor=request.user, user=target, **form.cleaned_data)
        messages.success(request, _("已保存。"))
        return redirect("manage:user_list")
    return _user_edit_page(request, target, form)


def _to_user_edit(request: HttpRequest, target: User) -> HttpResponse:
    return redirect("manage:user_edit", user_id=target.pk)


@never_cache
@login_required
@require_POST
@action(load=_target, back=_to_user_edit, join=" ")
def user_password_reset(request: HttpRequest, target: User) -> HttpResponse:
    """A generated password, shown on this answer only (rendered, never stored in a message)."""
    password = services.generate_password()
    form = UserEditForm(initial=_initial(target))
    services.user_password_reset(actor=request.user, user=target, password=password)
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


def _projects(request: HttpRequest) -> dict:
    return {"projects": selectors.admin_project_list(actor=request.user)}


@login_required
@require_http_methods(["GET", "POST"])
@action(
    load=_projects,
    methods=("GET", "POST"),
    invalid=_refused_form(ProjectForm, lambda request, **kw: _project_list_page(request, **kw)),
)
def project_list(request: HttpRequest, projects) -> HttpResponse:
    """Every project's metadata: the system administrator creates projects here, the security
    administrator goes from here to their members."""
    can_create = permissions.can(request.user, "platform.manage_projects")
    form = ProjectForm(request.POST or None) if can_create else None
    if request.method == "POST":
        if form is None:
            permissions.require(request.user, "platform.manage_projects")
        elif form.is_valid():
            project = services.project_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已创建项目 %(p)s。项目成员由安全管理员分配。") % {"p": project.name})
            return redirect("manage:project_list")
    return _project_list_page(request, projects, form)


def _project_list_page(request: HttpRequest, projects, form) -> HttpResponse:
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


def _members_of(request: HttpRequest, project: str, **rest) -> dict:
    from .models import Project

    try:
        return {"obj": _members_project(request, project), **rest}
    except Project.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
@action(
    load=_members_of,
    methods=("GET", "POST"),
    invalid=_refused_form(
        MemberForm, lambda request, **kw: _members_page(request, **kw), project=lambda kw: kw["obj"]
    ),
)
def project_members(request: HttpRequest, obj) -> HttpResponse:
    form = MemberForm(request.POST or None, project=obj)
    if request.method == "POST" and form.is_valid():
        services.membership_set(actor=request.user, project=obj, **form.cleaned_data)
        messages.success(request, _("已更新项目成员。"))
        return redirect("manage:project_members", project=obj.slug)
    return _members_page(request, obj, form)


def _members_page(request: HttpRequest, obj, form) -> HttpResponse:
    members = obj.memberships.select_related("user", "user__organisation").order_by("role", "user__username")
    return render(
        request,
        "manage/project_members.html",
        {"project": obj, "members": members, "form": form, "active_module": "members"},
    )


def _to_members(request: HttpRequest, obj, **_rest) -> HttpResponse:
    return redirect("manage:project_members", project=obj.slug)


@login_required
@action(
    load=_members_of, back=_to_members, join=" "
)  # the permission check first: a foreign user learns nothing
def project_member_remove(request: HttpRequest, obj, user_id: int) -> HttpResponse:
    member = obj.memberships.filter(user_id=user_id).select_related("user").first()
    if member is None:
        raise Http404
    services.membership_remove(actor=request.user, project=obj, user=member.user)
    messages.success(request, _("已移除 %(u)s。") % {"u": member.user})
    return redirect("manage:project_members", project=obj.slug)
