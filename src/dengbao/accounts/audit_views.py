"""The audit log for the audit administrator: the filtered list, CSV export, chain verification.

Thin: the selectors check ``audit.read`` (a refusal is a 403, itself audited) and
record every read; the views only parse the filters and present.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dengbao.core import spreadsheet

from . import audit_log as selectors


class EventFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    outcome = forms.ChoiceField(label=_("结果"), required=False)
    project = forms.TypedChoiceField(label=_("项目"), required=False, coerce=int, empty_value=None)
    text = forms.CharField(label=_("对象"), required=False, max_length=200)

    def __init__(self, data: Any, *, choices: dict[str, list[Any]]) -> None:
        super().__init__(data)
        everything = [("", _("全部"))]
        self.fields["action"].choices = everything + [(a, a) for a in choices["actions"]]
        self.fields["outcome"].choices = everything + [(o, o) for o in choices["outcomes"]]
        self.fields["project"].choices = everything + [(str(pk), name) for pk, name in choices["projects"]]

    def to_filter(self) -> selectors.EventFilter:
        """The valid fields as a filter; an invalid one is left out (and shown as an error)."""
        if not self.is_bound:
            return selectors.EventFilter()
        self.is_valid()
        data = self.cleaned_data
        return selectors.EventFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            actor=(data.get("actor") or "").strip(),
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            project_id=data.get("project"),
            text=(data.get("text") or "").strip(),
        )


def _form(request: HttpRequest) -> EventFilterForm:
    choices = selectors.filter_choices(actor=request.user)
    data = request.GET.copy()
    data.pop("page", None)
    return EventFilterForm(data or None, choices=choices)


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    page = selectors.event_page(
        actor=request.user, filters=form.to_filter(), page_number=request.GET.get("page")
    )
    return render(request, "audit/event_list.html", {"form": form, "page": page, "events": page.object_list})


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # One chunk at a time on the request's thread (its database connection), so memory stays flat.
    next_chunk = sync_to_async(next, thread_sensitive=True)
    while (chunk := await next_chunk(chunks, None)) is not None:
        yield chunk


@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    form = _form(request)
    rows = selectors.export_rows(actor=request.user, filters=form.to_filter())
    chunks = spreadsheet.csv_chunks(rows)
    # Under ASGI (``dengbao run``) Django would read a plain iterator into a list first.
    content = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def _verify_message(status: selectors.ChainStatus) -> str:
    if status.intact:
        return gettext("审计链完整：已校验 %(n)d 条记录。") % {"n": status.records}
    if status.key_problem:
        return gettext("无法校验审计链：%(reason)s") % {"reason": status.reason}
    return gettext("审计链已损坏：第 %(seq)d 条记录处断裂（%(reason)s）。共 %(n)d 条记录。") % {
        "seq": status.broken_seq,
        "reason": status.reason,
        "n": status.records,
    }


@login_required
@require_POST
def verify_chain(request: HttpRequest) -> HttpResponse:
    status = selectors.chain_check(actor=request.user)
    message = _verify_message(status)
    if request.headers.get("HX-Request"):
        return render(request, "audit/_verify_result.html", {"status": status, "message": message})
    (messages.success if status.intact else messages.error)(request, message)
    return redirect("audit:event_list")
