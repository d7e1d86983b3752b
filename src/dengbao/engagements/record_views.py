"""The recording forms: contract line items, payment triggers, receipts and invoices on the
contract page; training sessions (with files) and the client's feedback on the service page.

Each view checks the write's permission before anything else, reads the form, calls one
service and goes back to the page it came from.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from dengbao.accounts import permissions

from . import payment_services, record_services, services, year_services
from .views import _date, _errors, _int, _load, _required_date, _url


def _post_only(request: HttpRequest, project: str, action: str):
    """The project and contract, once the user may do ``action``; None for anything but POST."""
    obj, contract = _load(request, project)
    permissions.require(request.user, action, obj)
    if request.method != "POST":
        return None
    return obj, contract


def _saved(request: HttpRequest, text: str) -> None:
    messages.success(request, text)


@login_required
def line_item_add(request: HttpRequest, project: str) -> HttpResponse:
    loaded = _post_only(request, project, "project.edit")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    post = request.POST
    try:
        record_services.line_item_add(
            actor=request.user,
            contract=contract,
            item=post.get("item", ""),
            amount=services.decimal(post.get("amount", ""), _("金额")),
            quantity=_int(post.get("quantity", "")) or 1,
            unit=post.get("unit", ""),
            system_ids=[int(v) for v in post.getlist("systems") if v.isdigit()],
            is_service=post.get("is_service") == "on",
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        _saved(request, _("已添加合同明细"))
    return redirect(_url("contract", obj) + "#line-items")


@login_required
def line_item_delete(request: HttpRequest, project: str, line_item_id: int) -> HttpResponse:
    loaded = _post_only(request, project, "project.edit")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
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
def milestone_trigger(request: HttpRequest, project: str, milestone_id: int) -> HttpResponse:
    """POST the day a payment's condition was met (empty: back to the date the facts imply)."""
    loaded = _post_only(request, project, "project.edit")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    milestone = _milestone(contract, milestone_id)
    try:
        payment_services.milestone_trigger(
            actor=request.user, milestone=milestone, on=_date(request.POST.get("on", ""), _("条件满足日期"))
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        _saved(request, _("已保存"))
    return redirect(_url("contract", obj) + "#payments")


@login_required
def receipt_add(request: HttpRequest, project: str, milestone_id: int) -> HttpResponse:
    loaded = _post_only(request, project, "project.edit")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    milestone = _milestone(contract, milestone_id)
    try:
        payment_services.receipt_add(
            actor=request.user,
            milestone=milestone,
            amount=services.decimal(request.POST.get("amount", ""), _("到账金额")),
            received_on=_required_date(request.POST.get("received_on", ""), _("到账日期")),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        _saved(request, _("已记录到账"))
    return redirect(_url("contract", obj) + "#payments")


@login_required
def invoice_add(request: HttpRequest, project: str) -> HttpResponse:
    loaded = _post_only(request, project, "project.edit")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    post = request.POST
    try:
        milestone_id = _int(post.get("milestone", ""))
        payment_services.invoice_add(
            actor=request.user,
            contract=contract,
            kind=post.get("kind", ""),
            number=post.get("number", ""),
            amount=services.decimal(post.get("amount", ""), _("发票金额")),
            issued_on=_required_date(post.get("issued_on", ""), _("开票日期")),
            milestone=_milestone(contract, milestone_id) if milestone_id else None,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        _saved(request, _("已登记发票"))
    return redirect(_url("contract", obj) + "#invoices")


def _training_upload(request: HttpRequest, session, kind: str, field: str) -> None:
    for upload in request.FILES.getlist(field):
        record_services.training_file_add(actor=request.user, session=session, kind=kind, upload=upload)


@login_required
def training_add(request: HttpRequest, project: str) -> HttpResponse:
    """POST a session: topic, trainer, date, attendees (``姓名, 部门, 成绩`` a line), optional files."""
    loaded = _post_only(request, project, "project.record")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    post = request.POST
    try:
        people, scores = record_services.parse_attendees(post.get("attendees", ""))
        session = year_services.training_record(
            actor=request.user,
            contract=contract,
            topic=post.get("topic", ""),
            trainer=post.get("trainer", ""),
            held_on=_required_date(post.get("held_on", ""), _("培训日期")),
            attendees=people,
            materials=post.get("materials", ""),
            quiz_scores=scores,
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(_url("services", obj) + "#trainings")
    try:
        _training_upload(request, session, "materials", "materials_file")
        _training_upload(request, session, "sign_in", "sign_in_sheet")
    except ValidationError as exc:
        _errors(request, exc)
    _saved(request, _("已记录培训：%(t)s") % {"t": session.topic})
    return redirect(_url("services", obj) + f"#t{session.pk}")


@login_required
def training_file_add(request: HttpRequest, project: str, training_id: int) -> HttpResponse:
    loaded = _post_only(request, project, "project.record")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    session = contract.trainings.filter(pk=training_id).first()
    if session is None:
        raise Http404("training not found")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("请选择要上传的文件"))
        made = record_services.training_file_add(
            actor=request.user, session=session, kind=request.POST.get("kind", ""), upload=upload
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
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
def feedback_add(request: HttpRequest, project: str) -> HttpResponse:
    """POST a satisfaction visit or a complaint (anyone on the project, the client contact too)."""
    loaded = _post_only(request, project, "project.view")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    post = request.POST
    try:
        content = post.get("content", "").strip()
        if not content:
            raise ValidationError(_("请填写内容"))
        feedback = year_services.feedback_record(
            actor=request.user,
            contract=contract,
            kind=post.get("kind", ""),
            received_on=_date(post.get("received_on", ""), _("日期")) or timezone.localdate(),
            person=post.get("person", "") or str(request.user),
            content=content,
            satisfaction=_int(post.get("satisfaction", "")),
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(_url("services", obj) + "#feedback")
    _saved(request, _("已记录%(k)s") % {"k": feedback.get_kind_display()})
    return redirect(_url("services", obj) + f"#f{feedback.pk}")


@login_required
def feedback_handle(request: HttpRequest, project: str, feedback_id: int) -> HttpResponse:
    loaded = _post_only(request, project, "project.record")
    if loaded is None:
        return HttpResponseNotAllowed(["POST"])
    obj, contract = loaded
    feedback = contract.feedback.filter(pk=feedback_id).first()
    if feedback is None:
        raise Http404("feedback not found")
    try:
        record_services.feedback_handle(
            actor=request.user,
            feedback=feedback,
            action=request.POST.get("action", ""),
            handled_on=_date(request.POST.get("handled_on", ""), _("处理日期")) or timezone.localdate(),
            resolved=request.POST.get("resolved") == "on",
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        _saved(request, _("已记录处理情况"))
    return redirect(_url("services", obj) + f"#f{feedback.pk}")
