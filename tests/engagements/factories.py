"""A small contract for a test project: two systems, the standard schedule, deliverables,
the service year, one attachment and one ticket. Used by these tests and the authz matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import ProjectWorld

SIGNED = dt.date(2019, 11, 26)


def contract(world: ProjectWorld):
    from dengbao.engagements import services, year_services
    from dengbao.engagements.models import Contract
    from dengbao.systems.services import system_create

    existing = Contract.objects.filter(project=world.project).first()
    if existing is not None:
        return existing
    for code, level in (("HIS", 3), ("WEB", 2)):
        if not world.project.systems.filter(code=code).exists():
            system_create(
                actor=None,
                organisation=world.client,
                project=world.project,
                name=code,
                code=code,
                proposed_level=level,
            )
    made = services.contract_create(
        actor=None,
        project=world.project,
        title="测评及安全服务合同",
        signed_on=SIGNED,
        total=Decimal("156000"),
        line_items=[
            {"item": "安全服务", "unit": "1 年", "amount": "16000", "is_service": True},
            {"item": "HIS", "unit": "三级", "amount": "90000", "systems": ["HIS"]},
            {"item": "门户网站", "unit": "二级", "amount": "50000", "systems": ["WEB"]},
        ],
    )
    services.deliverables_generate(actor=None, contract=made)
    year_services.occurrences_generate(actor=None, contract=made)
    return made


def attachment(world: ProjectWorld):
    from dengbao.engagements import services

    made = contract(world)
    return made.attachments.first() or services.attachment_add(
        actor=world.members["manager"],
        contract=made,
        kind="signed_contract",
        upload=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 signed"),
    )


def deliverable(world: ProjectWorld):
    return contract(world).deliverables.order_by("pk").first()


def occurrence(world: ProjectWorld):
    return contract(world).occurrences.order_by("pk").first()


def ticket(world: ProjectWorld):
    from dengbao.engagements import year_services

    made = contract(world)
    return made.tickets.first() or year_services.ticket_open(
        actor=world.members["client"],
        contract=made,
        title="门户网站无法访问",
        kind="fault",
        priority="P1",
        source="phone",
    )


def visit(world: ProjectWorld):
    """An inspection visit of one server (its default checklist), not yet finished."""
    from dengbao.engagements import inspection_services

    made = contract(world)
    return made.inspections.order_by("pk").first() or inspection_services.visit_create(
        actor=world.members["assessor"],
        contract=made,
        visited_on=dt.date(2020, 3, 31),
        targets=[{"object_type": "服务器/操作系统", "name": "HIS-DB01"}],
    )


def hardening_action(world: ProjectWorld):
    from dengbao.engagements import hardening_services

    made = contract(world)
    return made.hardening_actions.order_by("pk").first() or hardening_services.action_create(
        actor=world.members["assessor"], contract=made, measure="linux.ssh", visit=visit(world)
    )


def training(world: ProjectWorld):
    from dengbao.engagements import year_services

    made = contract(world)
    return made.trainings.order_by("pk").first() or year_services.training_record(
        actor=None,
        contract=made,
        topic="安全意识培训",
        trainer="讲师",
        held_on=dt.date(2020, 7, 15),
        attendees=[{"name": "张三", "department": "信息科"}],
    )


def feedback(world: ProjectWorld):
    from dengbao.engagements import year_services

    made = contract(world)
    return made.feedback.order_by("pk").first() or year_services.feedback_record(
        actor=None,
        contract=made,
        kind="complaint",
        received_on=dt.date(2020, 10, 5),
        person="刘信息科",
        content="响应慢",
    )
