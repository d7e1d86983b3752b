from __future__ import annotations

from django.db import transaction

from dengbao.accounts import permissions
from dengbao.accounts.models import Organisation, Project, User
from dengbao.audit import services as audit

from .models import InformationSystem


def system_create(
    *,
    actor: User | None,
    organisation: Organisation,
    project: Project | None = None,
    name: str,
    code: str = "",
    proposed_level: int | None = None,
    description: str = "",
) -> InformationSystem:
    if actor is not None and project is not None:
        permissions.require(actor, "project.edit", project)
    with transaction.atomic():
        system = InformationSystem.objects.create(
            organisation=organisation,
            name=name,
            code=code,
            proposed_level=proposed_level,
            description=description,
        )
        if project is not None:
            system.projects.add(project)
        audit.record(
            actor=actor,
            action="system.create",
            obj=system,
            after={"name": name, "code": code, "proposed_level": proposed_level},
            project=project,
        )
    return system
