"""Engagement pages: the dashboard, the contract, deliverables, the service year and tickets.

Views read the form, call one service or selector, and show the outcome; the services
decide who may do what.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action
from dengbao.assessments import selectors as assessment_selectors
from dengbao.core.engagement import schedule, sla

from . import record_services, selectors, services, year_services
from .followup_models import TrainingFile
from .models import Attachment, Extension, Invoice
from .service_models import Feedback, Ticket, TicketEvent


def _load(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    return obj, selectors.contract_require(actor=request.user, project=obj)


def _contract(request: HttpRequest, project: str, **rest) -> dict:
    """An action's loader: the project and its contract, through the permission layer."""
    obj, contract = _load(request, project)
    return {"obj": obj, "contract": contract, **rest}


def _allowed(permission: str):
    """An action's loader: the project and contract, once the user may do ``permission``."""

    def load(request: HttpRequest, project: str, **rest) -> dict:
        obj, contract = _load(request, project)
        permissions.require(request.user, permission, obj)
        return {"obj": obj, "contract": contract, **rest}

    return load


def _back(page: str, anchor: str = ""):
    """``back``: the engagement page ``page`` at ``anchor`` (formatted with the loaded objects)."""

    def respond(request: HttpRequest, obj, **loaded) -> HttpResponse:
        return redirect(_url(page, obj) + anchor.format(**loaded))

    return respond


def _here(request: HttpRequest, **_loaded) -> HttpResponse:
    return redirect(request.path)


def _ctx(request: HttpRequest, project, **extra):
    return {
        "project": project,
        "active_module": "engagement",
        "can_edit": permissions.can(request.user, "project.edit", project),
        "can_record": permissions.can(request.user, "project.record", project),
        "can_accept": permissions.can(request.user, "project.accept_deliverable", project),
        "can_open_ticket": permissions.can(request.user, "project.open_ticket", project),
        **extra,
    }


def _url(name: str, project, **kwargs) -> str:
    return reverse(f"engagements:{name}", kwargs={"project": project.slug, **kwargs})


def _project(request: HttpRequest, project: str) -> dict:
    return {"obj": account_selectors.project_get(actor=request.user, slug=project)}


@login_required
@action(load=_project, methods=("GET", "POST"), back=_here)
def dashboard(request: HttpRequest, obj) -> HttpResponse:
    """项目管理: Gantt, next deadlines, deliverables, payments, this month's services, open tickets.

    Without a contract, the project manager records it here (POST).
    """
    if request.method == "POST":
        permissions.require(request.user, "project.edit", obj)  # before the form is read
        total = parse.money(request.POST.get("total", ""), _("合同总价"))
        contract = services.contract_create(
            actor=request.user,
            project=obj,
            title=request.POST.get("title", ""),
            number=request.POST.get("number", ""),
            signed_on=parse.required_date(request.POST.get("signed_on", ""), _("签订日期")),
            total=total,
        )
        services.deliverables_generate(actor=request.user, contract=contract)
        year_services.occurrences_generate(actor=request.user, contract=contract)
        messages.success(request, _("已登记合同，并生成进度计划、交付物清单和服务日历"))
        return redirect(request.path)
    month = None
    if request.GET.get("month"):
        try:
            month = dt.date.fromisoformat(request.GET["month"][:7] + "-01")
        except ValueError:
            month = None
    board = selectors.dashboard(actor=request.user, project=obj, month=month)
    assessments = assessment_selectors.assessment_list(actor=request.user, project=obj)
    context = _ctx(request, obj, board=board, assessments=assessments)
    if board:
        context["prev_month"] = (board.month - dt.timedelta(days=1)).strftime("%Y-%m")
        context["next_month"] = (board.month + dt.timedelta(days=32)).strftime("%Y-%m")
    return render(request, "engagements/dashboard.html", context)


@login_required
def contract_detail(request: HttpRequest, project: str) -> HttpResponse:
    """The contract: parties, line items, attachments, phases, extensions, payments and penalties."""
    obj, contract = _load(request, project)
    today = timezone.localdate()
    payments = selectors.payment_rows(actor=request.user, contract=contract, today=today)
    context = _ctx(
        request,
        obj,
        contract=contract,
        line_items=contract.line_items.prefetch_related("systems"),
        attachments=contract.attachments.select_related("uploaded_by"),
        attachment_kinds=Attachment.Kind.choices,
        phases=contract.phases.all(),
        deadlines=schedule.deadlines(contract.facts()),
        extensions=contract.extensions.select_related("approved_by"),
        causes=Extension.Cause.choices,
        deadline_choices=Extension.Deadline.choices,
        payments=payments,
        invoices=contract.invoices.select_related("milestone"),
        invoice_kinds=Invoice.Kind.choices,
        penalties=selectors.penalty_rows(actor=request.user, contract=contract, today=today),
        facts=[(f, contract._meta.get_field(f).verbose_name, getattr(contract, f)) for f in services.FACTS],
        systems=obj.systems.order_by("code", "name"),
        line_gap=record_services.line_items_mismatch(contract),
    )
    return render(request, "engagements/contract.html", context)


@login_required
@action(load=_contract, back=_back("contract", "#schedule"))
def contract_fact(request: HttpRequest, obj, contract) -> HttpResponse:
    services.contract_record_fact(
        actor=request.user,
        contract=contract,
        fact=request.POST.get("fact", ""),
        on=parse.date(request.POST.get("on", ""), _("日期")),
    )
    messages.success(request, _("已保存"))
    return redirect(_url("contract", obj) + "#schedule")


@login_required
@action(load=_contract, back=_back("contract", "#schedule"))
def phase_record(request: HttpRequest, obj, contract) -> HttpResponse:
    """POST the actual start and end of one phase (``phase`` is its key)."""
    phase = contract.phases.filter(key=request.POST.get("phase", "")).first()
    if phase is None:
        raise ValidationError(_("未知的阶段"))
    services.phase_record(
        actor=request.user,
        phase=phase,
        actual_start=parse.date(request.POST.get("actual_start", ""), _("实际开始")),
        actual_end=parse.date(request.POST.get("actual_end", ""), _("实际结束")),
    )
    messages.success(request, _("已保存"))
    return redirect(_url("contract", obj) + "#schedule")


@login_required
@action(load=_contract, back=_back("contract", "#extensions"))
def extension_add(request: HttpRequest, obj, contract) -> HttpResponse:
    services.extension_add(
        actor=request.user,
        contract=contract,
        cause=request.POST.get("cause", ""),
        deadline=request.POST.get("deadline", ""),
        workdays=parse.optional_int(request.POST.get("workdays", "")) or 0,
        reason=request.POST.get("reason", ""),
        approved_on=parse.date(request.POST.get("approved_on", ""), _("批准日期")) or timezone.localdate(),
    )
    messages.success(request, _("已记录延期"))
    return redirect(_url("contract", obj) + "#extensions")


@login_required
@action(load=_contract, back=_back("contract", "#attachments"))
def attachments(request: HttpRequest, obj, contract) -> HttpResponse:
    """POST uploads the signed contract, the bid or another attachment (``file``, ``kind``)."""
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(_("请选择要上传的文件"))
    attachment = services.attachment_add(
        actor=request.user, contract=contract, kind=request.POST.get("kind", ""), upload=upload
    )
    messages.success(request, _("已上传 %(name)s") % {"name": attachment.filename})
    return redirect(_url("contract", obj) + "#attachments")


@login_required
def attachment_download(request: HttpRequest, project: str, attachment_id: int) -> HttpResponse:
    _, contract = _load(request, project)
    attachment = selectors.attachment_get(actor=request.user, contract=contract, attachment_id=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename)


@login_required
def deliverable_list(request: HttpRequest, project: str) -> HttpResponse:
    obj, contract = _load(request, project)
    context = _ctx(
        request,
        obj,
        contract=contract,
        deliverables=selectors.deliverables_with_documents(actor=request.user, contract=contract),
        today=timezone.localdate(),
    )
    return render(request, "engagements/deliverables.html", context)


def _deliverable(request: HttpRequest, project: str, deliverable_id: int) -> dict:
    loaded = _contract(request, project)
    deliverable = selectors.deliverable_get(
        actor=request.user, contract=loaded["contract"], deliverable_id=deliverable_id
    )
    return {**loaded, "deliverable": deliverable}


_TO_DELIVERABLE = "#d{deliverable.pk}"


@login_required
@action(load=_deliverable, back=_back("deliverables", _TO_DELIVERABLE))
def deliverable_accept(request: HttpRequest, obj, contract, deliverable) -> HttpResponse:
    comment = request.POST.get("comment", "")
    if request.POST.get("decision") == "reject":
        services.deliverable_reject(actor=request.user, deliverable=deliverable, comment=comment)
        done = _("已退回：%(d)s")
    else:
        services.deliverable_accept(actor=request.user, deliverable=deliverable, comment=comment)
        done = _("已验收：%(d)s")
    messages.success(request, done % {"d": deliverable})
    return redirect(_url("deliverables", obj) + f"#d{deliverable.pk}")


@login_required
@action(load=_deliverable, back=_back("deliverables", _TO_DELIVERABLE))
def deliverable_deliver(request: HttpRequest, obj, contract, deliverable) -> HttpResponse:
    services.deliverable_deliver(
        actor=request.user,
        deliverable=deliverable,
        delivered_on=parse.date(request.POST.get("delivered_on", ""), _("交付日期")) or timezone.localdate(),
        document_id=parse.optional_int(request.POST.get("document", "")),
        reference=request.POST.get("reference", ""),
    )
    messages.success(request, _("已记录交付：%(d)s") % {"d": deliverable})
    return redirect(_url("deliverables", obj) + f"#d{deliverable.pk}")


@login_required
def service_calendar(request: HttpRequest, project: str) -> HttpResponse:
    """The service year: every occurrence with owner, due date, status and proof; training and feedback."""
    obj, contract = _load(request, project)
    context = _ctx(
        request,
        obj,
        contract=contract,
        occurrences=selectors.occurrence_list(actor=request.user, contract=contract),
        trainings=contract.trainings.prefetch_related("files"),
        feedback=contract.feedback.prefetch_related("handlings__by"),
        feedback_kinds=Feedback.Kind.choices,
        training_file_kinds=TrainingFile.Kind.choices,
        today=timezone.localdate(),
    )
    return render(request, "engagements/services.html", context)


def _occurrence(request: HttpRequest, project: str, occurrence_id: int) -> dict:
    loaded = _contract(request, project)
    occurrence = selectors.occurrence_get(
        actor=request.user, contract=loaded["contract"], occurrence_id=occurrence_id
    )
    return {**loaded, "occurrence": occurrence}


@login_required
@action(load=_occurrence, back=_back("services", "#o{occurrence.pk}"))
def occurrence_done(request: HttpRequest, obj, contract, occurrence) -> HttpResponse:
    year_services.occurrence_complete(
        actor=request.user,
        occurrence=occurrence,
        done_on=parse.date(request.POST.get("done_on", ""), _("完成日期")) or timezone.localdate(),
        proof=request.POST.get("proof", ""),
    )
    messages.success(request, _("已完成：%(o)s") % {"o": occurrence})
    return redirect(_url("services", obj) + f"#o{occurrence.pk}")


@login_required
@action(load=_contract, methods=("GET", "POST"), back=_here)
def ticket_list(request: HttpRequest, obj, contract) -> HttpResponse:
    """Every ticket with its SLA clocks; POST opens one (the client contact too)."""
    if request.method == "POST":
        ticket = year_services.ticket_open(
            actor=request.user,
            contract=contract,
            title=request.POST.get("title", ""),
            kind=request.POST.get("kind", ""),
            priority=request.POST.get("priority", ""),
            source=request.POST.get("source", "") or Ticket.Source.PORTAL,
            description=request.POST.get("description", ""),
            system_ids=[int(v) for v in request.POST.getlist("systems") if v.isdigit()],
            on_site_required=request.POST.get("on_site_required") == "on",
        )
        messages.success(request, _("已提交工单 #%(n)s") % {"n": ticket.number})
        return redirect(_url("ticket", obj, ticket_id=ticket.pk))
    context = _ctx(
        request,
        obj,
        contract=contract,
        rows=selectors.ticket_rows(actor=request.user, contract=contract),
        kinds=Ticket.Kind.choices,
        sources=Ticket.Source.choices,
        priorities=[p.value for p in sla.Priority],
        systems=obj.systems.order_by("code", "name"),
    )
    return render(request, "engagements/tickets.html", context)


def _ticket(request: HttpRequest, project: str, ticket_id: int) -> dict:
    loaded = _contract(request, project)
    ticket = selectors.ticket_get(actor=request.user, contract=loaded["contract"], ticket_id=ticket_id)
    return {**loaded, "ticket": ticket}


@login_required
@action(load=_ticket, methods=("GET", "POST"), back=_here)
def ticket_detail(request: HttpRequest, obj, contract, ticket) -> HttpResponse:
    """One ticket: its timeline and clocks; POST appends an event, or closes it with the report."""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind == "follow_up":
            year_services.ticket_follow_up(
                actor=request.user, ticket=ticket, note=request.POST.get("note", "")
            )
        elif kind == sla.EventKind.CLOSED:
            year_services.ticket_close(
                actor=request.user, ticket=ticket, report=request.POST.get("report", "")
            )
        else:
            year_services.ticket_event(
                actor=request.user, ticket=ticket, kind=kind, note=request.POST.get("note", "")
            )
        messages.success(request, _("已记录"))
        return redirect(request.path)
    (row,) = selectors.ticket_rows(actor=request.user, contract=contract, tickets=[ticket])
    context = _ctx(
        request,
        obj,
        contract=contract,
        row=row,
        ticket=ticket,
        events=ticket.events.select_related("by"),
        notifications=ticket.sla_notifications.all(),
        event_kinds=[(k, label) for k, label in TicketEvent.KINDS if k not in ("opened", "closed")],
    )
    return render(request, "engagements/ticket.html", context)
