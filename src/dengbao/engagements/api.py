"""The engagement over REST: deliverables and their acceptance, payments, the service month, tickets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from dengbao.accounts import selectors as account_selectors
from dengbao.api_support import ErrorOut, ObjectId, body_doc, error_response, read_body, user_errors

from . import api_selectors, selectors, services, year_services
from .service_models import Ticket

router = Router(tags=["engagements"])
router.add_decorator(user_errors)

NO_CONTRACT = "本项目尚未登记合同。"


class DeliverableOut(Schema):
    id: int
    system: str
    kind: str
    kind_label: str
    document_id: int | None
    document_version: int | None
    reference: str
    due: dt.date | None = Field(description="交付期限：另行约定的日期，否则为项目期限")
    delivered_on: dt.date | None
    status: str = Field(description="pending / delivered / accepted")
    accepted_by: str | None
    accepted_at: dt.datetime | None


class AcceptanceOut(Schema):
    deliverable_id: int
    status: str
    delivered_on: dt.date | None
    accepted_by: str | None
    accepted_at: dt.datetime | None


class PaymentOut(Schema):
    id: int
    name: str
    percent: Decimal
    trigger: str
    trigger_label: str
    amount: Decimal = Field(description="应付金额（元），以字符串给出以免精度损失")
    due: dt.date | None = Field(description="付款到期日；付款条件未满足时为 null")
    received: Decimal
    received_on: dt.date | None
    paid: bool
    late_days: int
    interest: Decimal
    warning: str


class OccurrenceOut(Schema):
    id: int
    kind: str
    kind_label: str
    sequence: int
    title: str
    due_on: dt.date
    holiday: str
    owner: str | None
    status: str
    done_on: dt.date | None
    proof: str
    late: bool


class OccurrenceMonth(Schema):
    month: str
    items: list[OccurrenceOut]


class ClockOut(Schema):
    target: str = Field(description="response（响应）或 on_site（到场）")
    state: str = Field(description="running / paused / warning / met / breached / not_needed")
    limit_minutes: float
    elapsed_minutes: float
    remaining_minutes: float
    breached_at: dt.datetime | None
    stopped_at: dt.datetime | None


class TicketOut(Schema):
    id: int
    number: int
    title: str
    kind: str
    priority: str
    source: str
    status: str
    description: str
    systems: list[str]
    on_site_required: bool
    opened_by: str | None
    opened_at: dt.datetime
    assignee: str | None
    breached: bool
    clocks: list[ClockOut]


class TicketIn(Schema):
    title: str = Field(max_length=200)
    kind: str = Field(description="fault / incident / vulnerability / consulting")
    priority: str = Field(description="P1 / P2 / P3 / P4")
    source: str = Field(Ticket.Source.PORTAL, description="phone / monitoring / finding / portal")
    description: str = Field("", max_length=20000)
    system_ids: list[ObjectId] = []
    on_site_required: bool = False


def _name(user) -> str | None:
    return user.display_name if user is not None else None


def _contract(request: HttpRequest, project: str):
    """The project's contract, or None: a project without one has no deliverables, payments or services."""
    obj = account_selectors.project_get(actor=request.user, slug=project)
    return selectors.contract_get(actor=request.user, project=obj)


def _acceptance(d) -> AcceptanceOut:
    return AcceptanceOut(
        deliverable_id=d.pk,
        status=d.status,
        delivered_on=d.delivered_on,
        accepted_by=_name(d.accepted_by),
        accepted_at=d.accepted_at,
    )


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _ticket(row) -> TicketOut:
    t = row.ticket
    return TicketOut(
        id=t.pk,
        number=t.number,
        title=t.title,
        kind=t.kind,
        priority=t.priority,
        source=t.source,
        status=t.status,
        description=t.description,
        systems=[s.code or s.name for s in t.systems.all()],
        on_site_required=t.on_site_required,
        opened_by=_name(t.opened_by),
        opened_at=t.opened_at,
        assignee=_name(t.assignee),
        breached=row.breached,
        clocks=[
            ClockOut(
                target=c.target,
                state=c.state.value,
                limit_minutes=_minutes(c.limit),
                elapsed_minutes=_minutes(c.elapsed),
                remaining_minutes=_minutes(c.remaining),
                breached_at=c.breached_at,
                stopped_at=c.stopped_at,
            )
            for c in row.clocks
        ],
    )


@router.get("/projects/{project}/deliverables", response=list[DeliverableOut], summary="合同交付物及验收情况")
def deliverable_list(request: HttpRequest, project: str):
    contract = _contract(request, project)
    if contract is None:
        return []
    return [
        DeliverableOut(
            id=d.pk,
            system=d.system.code or d.system.name,
            kind=d.kind,
            kind_label=d.get_kind_display(),
            document_id=d.document_id,
            document_version=d.document.version if d.document_id else None,
            reference=d.reference,
            due=d.due_date,
            delivered_on=d.delivered_on,
            status=d.status,
            accepted_by=_name(d.accepted_by),
            accepted_at=d.accepted_at,
        )
        for d in selectors.deliverables_with_documents(actor=request.user, contract=contract)
    ]


@router.get(
    "/projects/{project}/deliverables/{deliverable_id}/acceptance",
    response=AcceptanceOut,
    summary="一个交付物的验收情况",
)
def deliverable_acceptance(request: HttpRequest, project: str, deliverable_id: int):
    contract = _contract(request, project)
    if contract is None:
        return error_response(404, NO_CONTRACT)
    return _acceptance(
        selectors.deliverable_get(actor=request.user, contract=contract, deliverable_id=deliverable_id)
    )


@router.post(
    "/projects/{project}/deliverables/{deliverable_id}/acceptance",
    response={200: AcceptanceOut, 400: ErrorOut},
    summary="验收交付物（客户联系人）",
)
def deliverable_accept(request: HttpRequest, project: str, deliverable_id: int):
    contract = _contract(request, project)
    if contract is None:
        return error_response(404, NO_CONTRACT)
    deliverable = selectors.deliverable_get(
        actor=request.user, contract=contract, deliverable_id=deliverable_id
    )
    services.deliverable_accept(actor=request.user, deliverable=deliverable)
    return _acceptance(
        selectors.deliverable_get(actor=request.user, contract=contract, deliverable_id=deliverable_id)
    )


@router.get("/projects/{project}/payments", response=list[PaymentOut], summary="付款节点：金额、到期日、到账")
def payment_list(request: HttpRequest, project: str):
    contract = _contract(request, project)
    if contract is None:
        return []
    rows = selectors.payment_rows(actor=request.user, contract=contract, today=timezone.localdate())
    return [
        PaymentOut(
            id=p.milestone.pk,
            name=p.milestone.name,
            percent=p.milestone.percent,
            trigger=p.milestone.trigger,
            trigger_label=p.milestone.get_trigger_display(),
            amount=p.amount,
            due=p.due,
            received=p.received,
            received_on=p.received_on,
            paid=p.paid,
            late_days=p.late_days,
            interest=p.interest,
            warning=p.warning,
        )
        for p in rows
    ]


@router.get(
    "/projects/{project}/services",
    response={200: OccurrenceMonth, 400: ErrorOut},
    summary="一个月的服务事项（month=YYYY-MM，默认本月）",
)
def occurrence_month(request: HttpRequest, project: str, month: str = ""):
    contract = _contract(request, project)
    try:
        first = dt.date.fromisoformat(month.strip()[:7] + "-01") if month.strip() else timezone.localdate()
    except ValueError:
        raise ValidationError(f"月份“{month}”应写作 YYYY-MM，如 2026-03") from None
    today = timezone.localdate()
    rows = []
    if contract is not None:
        rows = api_selectors.occurrences_of_month(actor=request.user, contract=contract, month=first)
    return OccurrenceMonth(
        month=first.strftime("%Y-%m"),
        items=[
            OccurrenceOut(
                id=o.pk,
                kind=o.kind,
                kind_label=o.get_kind_display(),
                sequence=o.sequence,
                title=o.title,
                due_on=o.due_on,
                holiday=o.holiday,
                owner=_name(o.owner),
                status=o.status,
                done_on=o.done_on,
                proof=o.proof,
                late=o.is_late(today),
            )
            for o in rows
        ],
    )


@router.get("/projects/{project}/tickets", response=list[TicketOut], summary="应急响应工单及 SLA 计时")
def ticket_list(request: HttpRequest, project: str):
    contract = _contract(request, project)
    if contract is None:
        return []
    return [_ticket(row) for row in selectors.ticket_rows(actor=request.user, contract=contract)]


@router.post(
    "/projects/{project}/tickets",
    response={201: TicketOut, 400: ErrorOut},
    summary="提交应急响应工单（项目成员均可）",
    openapi_extra=body_doc(TicketIn),
)
def ticket_open(request: HttpRequest, project: str):
    contract = _contract(request, project)
    if contract is None:
        return error_response(404, NO_CONTRACT)
    body = read_body(request, TicketIn)
    ticket = year_services.ticket_open(
        actor=request.user,
        contract=contract,
        title=body.title,
        kind=body.kind,
        priority=body.priority,
        source=body.source,
        description=body.description,
        system_ids=body.system_ids,
        on_site_required=body.on_site_required,
    )
    rows = selectors.ticket_rows(
        actor=request.user,
        contract=contract,
        tickets=[selectors.ticket_get(actor=request.user, contract=contract, ticket_id=ticket.pk)],
    )
    return Status(201, _ticket(rows[0]))
