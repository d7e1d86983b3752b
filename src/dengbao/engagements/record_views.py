"""The recording forms: contract line items, payment triggers, receipts and invoices on the
contract page; training sessions (with files) and the client's feedback on the service page.

Each view checks the write's permission before anything else, reads the form, calls one
service and goes back to the page it came from.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.actions import action, reporting

from . import payment_services, record_services, year_services
from .views import _allowed, _back, _load, _url


def _saved(request: HttpRequest, text: str) -> None:
    messages.success(request, text)


@login_required
@action(load=_allowed("project.edit"), back=_back("contract", "#line-items"))
def line_item_add(request: HttpRequest, obj, contract) -> HttpResponse:
    post = request.POST
    record_services.line_item_add(
        actor=request.user,
        contract=contract,
        item=post.get("item", ""),
        amount=parse.money(post.get("amount", ""), _("金额")),
        quantity=parse.optional_int(post.get("quantity", "")) or 1,
        unit=post.get("unit", ""),
        system_ids=[int(v) for v in post.getlist("systems") if v.isdigit()],
        is_service=post.get("is_service") == "on",
    )
    _saved(request, _("已添加合同明细"))
    return redirect(_url("contract", obj) + "#line-items")


@login_required
@action(load=_allowed("project.edit"))
def line_item_delete(request: HttpRequest, obj, contract, line_item_id) -> HttpResponse:
    line = contract.line_items.filter(pk=line_item_id).first()
    if line is None:
        raise Http404("line item not found")
    record_services.line_item_delete(actor=request.user, line=line)
    _saved(request, _("已删除合同明细"))
    return redirect(_url("contract", obj) + "#line-items")


def _milestone(contract, milestone_id: int):
    milestone = contract.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404("payment milestone not found")
    return milestone


@login_required
@action(load=_allowed("project.edit"), back=_back("contract", "#payments"))
def milestone_trigger(request: HttpRequest, obj, contract, milestone_id) -> HttpResponse:
    """POST the day a payment's condition was met (empty: back to the date the facts imply)."""
    milestone = _milestone(contract, milestone_id)
    payment_services.milestone_trigger(
        actor=request.user, milestone=milestone, on=parse.date(request.POST.get("on", ""), _("条件满足日期"))
    )
    _saved(request, _("已保存"))
    return redirect(_url("contract", obj) + "#payments")


@login_required
@action(load=_allowed("project.edit"), back=_back("contract", "#payments"))
def receipt_add(request: HttpRequest, obj, contract, milestone_id) -> HttpResponse:
    milestone = _milestone(contract, milestone_id)
    payment_services.receipt_add(
        actor=request.user,
        milestone=milestone,
        amount=parse.money(request.POST.get("amount", ""), _("到账金额")),
        received_on=parse.required_date(request.POST.get("received_on", ""), _("到账日期")),
        note=request.POST.get("note", ""),
    )
    _saved(request, _("已记录到账"))
    return redirect(_url("contract", obj) + "#payments")


@login_required
@action(load=_allowed("project.edit"), back=_back("contract", "#invoices"))
def invoice_add(request: HttpRequest, obj, contract) -> HttpResponse:
    post = request.POST
    milestone_id = parse.optional_int(post.get("milestone", ""))
    payment_services.invoice_add(
        actor=request.user,
        contract=contract,
        kind=post.get("kind", ""),
        number=post.get("number", ""),
        amount=parse.money(post.get("amount", ""), _("发票金额")),
        issued_on=parse.required_date(post.get("issued_on", ""), _("开票日期")),
        milestone=_milestone(contract, milestone_id) if milestone_id else None,
    )
    _saved(request, _("已登记发票"))
    return redirect(_url("contract", obj) + "#invoices")


def _training_upload(request: HttpRequest, session, kind: str, field: str) -> None:
    for upload in request.FILES.getlist(field):
        record_services.training_file_add(actor=request.user, session=session, kind=kind, upload=upload)


@login_required
@action(load=_allowed("project.record"), back=_back("services", "#trainings"))
def training_add(request: HttpRequest, obj, contract) -> HttpResponse:
    """POST a session: topic, trainer, date, attendees (``姓名, 部门, 成绩`` a line), optional files."""
    post = request.POST
    people, scores = record_services.parse_attendees(post.get("attendees", ""))
    session = year_services.training_record(
        actor=request.user,
        contract=contract,
        topic=post.get("topic", ""),
        trainer=post.get("trainer", ""),
        held_on=parse.required_date(post.get("held_on", ""), _("培训日期")),
        attendees=people,
        materials=post.get("materials", ""),
        quiz_scores=scores,
    )
    with reporting(request):
        _training_upload(request, session, "materials", "materials_file")
        _training_upload(request, session, "sign_in", "sign_in_sheet")
    _saved(request, _("已记录培训：%(t)s") % {"t": session.topic})
    return redirect(_url("services", obj) + f"#t{session.pk}")


@login_required
@action(load=_allowed("project.record"), back=_back("services", "#t{training_id}"))
def training_file_add(request: HttpRequest, obj, contract, training_id) -> HttpResponse:
    session = contract.trainings.filter(pk=training_id).first()
    if session is None:
        raise Http404("training not found")
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(_("请选择要上传的文件"))
    made = record_services.training_file_add(
        actor=request.user, session=session, kind=request.POST.get("kind", ""), upload=upload
    )
    _saved(request, _("已上传 %(name)s") % {"name": made.filename})
    return redirect(_url("services", obj) + f"#t{session.pk}")


@login_required
def training_file(request: HttpRequest, project: str, training_id: int, file_id: int) -> HttpResponse:
    _, contract = _load(request, project)
    session = contract.trainings.filter(pk=training_id).first()
    made = session.files.filter(pk=file_id).first() if session else None
    if made is None:
        raise Http404("file not found")
    return FileResponse(made.file.open("rb"), as_attachment=True, filename=made.filename)


@login_required
@action(load=_allowed("project.view"), back=_back("services", "#feedback"))
def feedback_add(request: HttpRequest, obj, contract) -> HttpResponse:
    """POST a satisfaction visit or a complaint (anyone on the project, the client contact too)."""
    post = request.POST
    content = post.get("content", "").strip()
    if not content:
        raise ValidationError(_("请填写内容"))
    feedback = year_services.feedback_record(
        actor=request.user,
        contract=contract,
        kind=post.get("kind", ""),
        received_on=parse.date(post.get("received_on", ""), _("日期")) or timezone.localdate(),
        person=post.get("person", "") or str(request.user),
        content=content,
        satisfaction=parse.optional_int(post.get("satisfaction", "")),
    )
    _saved(request, _("已记录%(k)s") % {"k": feedback.get_kind_display()})
    return redirect(_url("services", obj) + f"#f{feedback.pk}")


@login_required
@action(load=_allowed("project.record"), back=_back("services", "#f{feedback_id}"))
def feedback_handle(request: HttpRequest, obj, contract, feedback_id) -> HttpResponse:
    feedback = contract.feedback.filter(pk=feedback_id).first()
    if feedback is None:
        raise Http404("feedback not found")
    record_services.feedback_handle(
        actor=request.user,
        feedback=feedback,
        action=request.POST.get("action", ""),
        handled_on=parse.date(request.POST.get("handled_on", ""), _("处理日期")) or timezone.localdate(),
        resolved=request.POST.get("resolved") == "on",
    )
    _saved(request, _("已记录处理情况"))
    return redirect(_url("services", obj) + f"#f{feedback.pk}")
