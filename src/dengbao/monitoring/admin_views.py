"""The manager's monitoring settings: allowed hosts, alert channels (test button), rules, word lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao.accounts import permissions

from . import alert_services, selectors, services
from .alert_models import AlertRule, Channel
from .views import _errors, _project, _url, ctx


def _data(request: HttpRequest) -> dict:
    return {k: request.POST.get(k, "") for k in request.POST}


@login_required
def hosts(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    rows = selectors.hosts(actor=request.user, project=obj)
    if request.method == "POST":
        try:
            services.host_add(
                actor=request.user,
                project=obj,
                host=request.POST.get("host", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已添加"))
            return redirect(_url("hosts", obj))
    return render(
        request,
        "monitoring/hosts.html",
        ctx(
            request,
            obj,
            "hosts",
            hosts=rows,
            private_hosts=selectors.private_hosts(actor=request.user, project=obj),
        ),
    )


@login_required
def host_delete(request: HttpRequest, project: str, host_id: int) -> HttpResponse:
    obj = _project(request, project)
    row = selectors.host_get(actor=request.user, project=obj, host_id=host_id)
    permissions.require(request.user, "project.edit", obj)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.host_remove(actor=request.user, host=row)
    messages.success(request, _("已移除"))
    return redirect(_url("hosts", obj))


def _channel_data(request: HttpRequest) -> dict:
    data = _data(request)
    for flag in ("allow_private", "starttls", "use_ssl", "enabled", "clear_secret"):
        data[flag] = flag in request.POST
    return data


@login_required
def channels(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    rows = selectors.channels(actor=request.user, project=obj)
    if request.method == "POST":
        try:
            channel = alert_services.channel_create(
                actor=request.user,
                project=obj,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                data=_channel_data(request),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已添加通道“%(n)s”") % {"n": channel.name})
            return redirect(_url("channels", obj))
    return render(
        request,
        "monitoring/channels.html",
        ctx(request, obj, "channels", channels=rows, kinds=Channel.Kind.choices),
    )


@login_required
def channel_edit(request: HttpRequest, project: str, channel_id: int) -> HttpResponse:
    obj = _project(request, project)
    channel = selectors.channel_get(actor=request.user, project=obj, channel_id=channel_id)
    if request.method == "POST":
        try:
            alert_services.channel_update(
                actor=request.user,
                channel=channel,
                name=request.POST.get("name", ""),
                data=_channel_data(request),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(_url("channels", obj))
    return render(request, "monitoring/channel.html", ctx(request, obj, "channels", channel=channel))


@login_required
def channel_test(request: HttpRequest, project: str, channel_id: int) -> HttpResponse:
    obj = _project(request, project)
    channel = selectors.channel_get(actor=request.user, project=obj, channel_id=channel_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    result = alert_services.channel_test(actor=request.user, channel=channel)
    detail = result.detail  # the status code (and a robot's result code), never the reply's body
    if result.seconds is not None:
        detail += _("，用时 %(ms)d ms") % {"ms": round(result.seconds * 1000)}
    if result.ok:
        messages.success(request, _("测试消息已送达：%(d)s") % {"d": detail})
    else:
        messages.error(request, _("测试消息未送达：%(d)s") % {"d": detail})
    return redirect(_url("channels", obj))


@login_required
def channel_delete(request: HttpRequest, project: str, channel_id: int) -> HttpResponse:
    obj = _project(request, project)
    channel = selectors.channel_get(actor=request.user, project=obj, channel_id=channel_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    alert_services.channel_delete(actor=request.user, channel=channel)
    return redirect(_url("channels", obj))


def _rule_data(request: HttpRequest) -> tuple[dict, list[int]]:
    data = _data(request)
    for flag in ("open_ticket", "enabled"):
        data[flag] = flag in request.POST
    ids = [int(v) for v in request.POST.getlist("channels") if v.isdigit()]
    return data, ids


@login_required
def rules(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    rows = selectors.rules(actor=request.user, project=obj)
    if request.method == "POST":
        data, ids = _rule_data(request)
        try:
            alert_services.rule_save(actor=request.user, project=obj, data=data, channel_ids=ids)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已添加告警规则"))
            return redirect(_url("rules", obj))
    return _rules_page(request, obj, rows, None)


def _rules_page(request, obj, rows, rule) -> HttpResponse:
    channel_rows = (
        Channel.objects.filter(project=obj) if permissions.can(request.user, "project.edit", obj) else []
    )
    return render(
        request,
        "monitoring/rules.html",
        ctx(
            request,
            obj,
            "rules",
            rules=rows,
            rule=rule,
            watches=AlertRule.Watch.choices,
            channel_rows=channel_rows,
            priorities=alert_services.PRIORITIES,
        ),
    )


@login_required
def rule_edit(request: HttpRequest, project: str, rule_id: int) -> HttpResponse:
    obj = _project(request, project)
    rule = selectors.rule_get(actor=request.user, project=obj, rule_id=rule_id)
    if request.method == "POST":
        data, ids = _rule_data(request)
        try:
            alert_services.rule_save(actor=request.user, project=obj, data=data, channel_ids=ids, rule=rule)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(_url("rules", obj))
    return _rules_page(request, obj, selectors.rules(actor=request.user, project=obj), rule)


@login_required
def rule_delete(request: HttpRequest, project: str, rule_id: int) -> HttpResponse:
    obj = _project(request, project)
    rule = selectors.rule_get(actor=request.user, project=obj, rule_id=rule_id)
    permissions.require(request.user, "project.edit", obj)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    alert_services.rule_delete(actor=request.user, rule=rule)
    return redirect(_url("rules", obj))


@login_required
def wordlists(request: HttpRequest, project: str) -> HttpResponse:
    obj = _project(request, project)
    rows = selectors.wordlists(actor=request.user, project=obj)
    if request.method == "POST":
        try:
            services.wordlist_save(
                actor=request.user,
                project=obj,
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已保存清单"))
            return redirect(_url("wordlists", obj))
    return render(request, "monitoring/wordlists.html", ctx(request, obj, "wordlists", lists=rows))
