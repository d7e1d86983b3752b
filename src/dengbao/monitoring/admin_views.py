"""The manager's monitoring settings: allowed hosts, alert channels (test button), rules, word lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao.accounts import permissions
from dengbao.actions import action, reported

from . import alert_services, selectors, services
from .alert_models import AlertRule, Channel
from .views import _project, _url, ctx


def _data(request: HttpRequest) -> dict:
    return {k: request.POST.get(k, "") for k in request.POST}


def _listing(selector):
    """An action's loader: the project and its rows as ``selector`` reads them (its permission first)."""

    def load(request: HttpRequest, project: str) -> dict:
        obj = _project(request, project)
        return {"obj": obj, "rows": selector(actor=request.user, project=obj)}

    return load


def _hosts_page(request: HttpRequest, obj, rows) -> HttpResponse:
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
@action(load=_listing(selectors.hosts), methods=("GET", "POST"), invalid=reported(_hosts_page))
def hosts(request: HttpRequest, obj, rows) -> HttpResponse:
    if request.method == "POST":
        services.host_add(
            actor=request.user,
            project=obj,
            host=request.POST.get("host", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已添加"))
        return redirect(_url("hosts", obj))
    return _hosts_page(request, obj, rows)


def _host(request: HttpRequest, project: str, host_id: int) -> dict:
    obj = _project(request, project)
    row = selectors.host_get(actor=request.user, project=obj, host_id=host_id)
    permissions.require(request.user, "project.edit", obj)
    return {"obj": obj, "row": row}


@login_required
@action(load=_host)
def host_delete(request: HttpRequest, obj, row) -> HttpResponse:
    services.host_remove(actor=request.user, host=row)
    messages.success(request, _("已移除"))
    return redirect(_url("hosts", obj))


def _channel_data(request: HttpRequest) -> dict:
    data = _data(request)
    for flag in ("allow_private", "starttls", "use_ssl", "enabled", "clear_secret"):
        data[flag] = flag in request.POST
    return data


def _channels_page(request: HttpRequest, obj, rows) -> HttpResponse:
    return render(
        request,
        "monitoring/channels.html",
        ctx(request, obj, "channels", channels=rows, kinds=Channel.Kind.choices),
    )


@login_required
@action(load=_listing(selectors.channels), methods=("GET", "POST"), invalid=reported(_channels_page))
def channels(request: HttpRequest, obj, rows) -> HttpResponse:
    if request.method == "POST":
        channel = alert_services.channel_create(
            actor=request.user,
            project=obj,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""),
            data=_channel_data(request),
        )
        messages.success(request, _("已添加通道“%(n)s”") % {"n": channel.name})
        return redirect(_url("channels", obj))
    return _channels_page(request, obj, rows)


def _channel(request: HttpRequest, project: str, channel_id: int) -> dict:
    obj = _project(request, project)
    return {
        "obj": obj,
        "channel": selectors.channel_get(actor=request.user, project=obj, channel_id=channel_id),
    }


def _channel_page(request: HttpRequest, obj, channel) -> HttpResponse:
    return render(request, "monitoring/channel.html", ctx(request, obj, "channels", channel=channel))


@login_required
@action(load=_channel, methods=("GET", "POST"), invalid=reported(_channel_page))
def channel_edit(request: HttpRequest, obj, channel) -> HttpResponse:
    if request.method == "POST":
        alert_services.channel_update(
            actor=request.user,
            channel=channel,
            name=request.POST.get("name", ""),
            data=_channel_data(request),
        )
        messages.success(request, _("已保存"))
        return redirect(_url("channels", obj))
    return _channel_page(request, obj, channel)


@login_required
@action(load=_channel)
def channel_test(request: HttpRequest, obj, channel) -> HttpResponse:
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
@action(load=_channel)
def channel_delete(request: HttpRequest, obj, channel) -> HttpResponse:
    alert_services.channel_delete(actor=request.user, channel=channel)
    return redirect(_url("channels", obj))


def _rule_data(request: HttpRequest) -> tuple[dict, list[int]]:
    data = _data(request)
    for flag in ("open_ticket", "enabled"):
        data[flag] = flag in request.POST
    ids = [int(v) for v in request.POST.getlist("channels") if v.isdigit()]
    return data, ids


def _all_rules_page(request: HttpRequest, obj, rows=None, rule=None) -> HttpResponse:
    if rows is None:
        rows = selectors.rules(actor=request.user, project=obj)
    return _rules_page(request, obj, rows, rule)


@login_required
@action(load=_listing(selectors.rules), methods=("GET", "POST"), invalid=reported(_all_rules_page))
def rules(request: HttpRequest, obj, rows) -> HttpResponse:
    if request.method == "POST":
        data, ids = _rule_data(request)
        alert_services.rule_save(actor=request.user, project=obj, data=data, channel_ids=ids)
        messages.success(request, _("已添加告警规则"))
        return redirect(_url("rules", obj))
    return _all_rules_page(request, obj, rows)


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


def _rule(request: HttpRequest, project: str, rule_id: int) -> dict:
    obj = _project(request, project)
    return {"obj": obj, "rule": selectors.rule_get(actor=request.user, project=obj, rule_id=rule_id)}


@login_required
@action(load=_rule, methods=("GET", "POST"), invalid=reported(_all_rules_page))
def rule_edit(request: HttpRequest, obj, rule) -> HttpResponse:
    if request.method == "POST":
        data, ids = _rule_data(request)
        alert_services.rule_save(actor=request.user, project=obj, data=data, channel_ids=ids, rule=rule)
        messages.success(request, _("已保存"))
        return redirect(_url("rules", obj))
    return _all_rules_page(request, obj, rule=rule)


def _deletable_rule(request: HttpRequest, project: str, rule_id: int) -> dict:
    loaded = _rule(request, project, rule_id)
    permissions.require(request.user, "project.edit", loaded["obj"])
    return loaded


@login_required
@action(load=_deletable_rule)
def rule_delete(request: HttpRequest, obj, rule) -> HttpResponse:
    alert_services.rule_delete(actor=request.user, rule=rule)
    return redirect(_url("rules", obj))


def _wordlists_page(request: HttpRequest, obj, rows) -> HttpResponse:
    return render(request, "monitoring/wordlists.html", ctx(request, obj, "wordlists", lists=rows))


@login_required
@action(load=_listing(selectors.wordlists), methods=("GET", "POST"), invalid=reported(_wordlists_page))
def wordlists(request: HttpRequest, obj, rows) -> HttpResponse:
    if request.method == "POST":
        services.wordlist_save(
            actor=request.user,
            project=obj,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
        )
        messages.success(request, _("已保存清单"))
        return redirect(_url("wordlists", obj))
    return _wordlists_page(request, obj, rows)
