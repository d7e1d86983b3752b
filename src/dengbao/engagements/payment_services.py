"""Writes of the money: when a payment's condition was met, invoices and receipts.

Due dates, interest and penalties are not stored: the selectors compute them from these
facts with ``core.engagement.money``. The project manager (``project.edit``) records them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core.engagement import money

from .models import Contract, Invoice, PaymentMilestone, Receipt


def milestone_trigger(
    *, actor: User | None, milestone: PaymentMilestone, on: dt.date | None
) -> PaymentMilestone:
    """Record the day a payment's condition was met; its due date follows from the contract's rule."""
    project = milestone.contract.project
    if actor is not None:
        permissions.require(actor, "project.edit", project)
    with transaction.atomic():
        milestone = PaymentMilestone.objects.select_for_update().get(pk=milestone.pk)
        milestone.triggered_on = on
        milestone.save(update_fields=["triggered_on"])
        audit.record(
            actor=actor,
            action="payment.trigger",
            obj=milestone,
            details={"on": on.isoformat() if on else None},
            project=project,
        )
    return milestone


def invoice_add(
    *,
    actor: User | None,
    contract: Contract,
    kind: str,
    number: str,
    amount: Decimal,
    issued_on: dt.date,
    milestone: PaymentMilestone | None = None,
) -> Invoice:
    if actor is not None:
        permissions.require(actor, "project.edit", contract.project)
    if kind not in Invoice.Kind.values:
        raise ValidationError("发票类别须为货物、软件或服务")
    if not number.strip():
        raise ValidationError("请填写发票号码")
    if amount <= 0:
        raise ValidationError("发票金额须大于 0")
    if milestone is not None and milestone.contract_id != contract.pk:
        raise ValidationError("付款节点不属于本合同")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            contract=contract,
            milestone=milestone,
            kind=kind,
            number=parse.text(number, 64),
            amount=money.yuan(amount),
            issued_on=issued_on,
        )
        audit.record(
            actor=actor,
            action="payment.invoice",
            obj=invoice,
            details={"kind": kind, "amount": str(invoice.amount)},
            project=contract.project,
        )
    return invoice


def receipt_add(
    *, actor: User | None, milestone: PaymentMilestone, amount: Decimal, received_on: dt.date, note: str = ""
) -> Receipt:
    contract = milestone.contract
    if actor is not None:
        permissions.require(actor, "project.edit", contract.project)
    if amount <= 0:
        raise ValidationError("到账金额须大于 0")
    with transaction.atomic():
        receipt = Receipt.objects.create(
            contract=contract,
            milestone=milestone,
            amount=money.yuan(amount),
            received_on=received_on,
            note=parse.text(note, 200),
        )
        audit.record(
            actor=actor,
            action="payment.receipt",
            obj=receipt,
            details={"milestone": milestone.name, "amount": str(receipt.amount)},
            project=contract.project,
        )
    return receipt
