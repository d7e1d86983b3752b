from __future__ import annotations

from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core import catalogue as core
from dengbao.core.catalogue import wording as core_wording

from .models import UnitWording


def wording_import(*, actor: User, stream: BinaryIO, filename: str) -> int:
    """Replace the actor's organisation's wording with the file's, all or nothing.

    Raises WordingError naming every bad row; then nothing is changed.
    """
    permissions.require(actor, "catalogue.manage_wording")
    if not actor.organisation_id:
        raise core_wording.WordingError(["您的账户不属于任何单位，无法导入机构措辞。"])
    rows = core_wording.parse_rows(core_wording.read_table(stream, filename), core.default())
    now = timezone.now()
    with transaction.atomic():
        removed, _ = UnitWording.objects.filter(organisation_id=actor.organisation_id).delete()
        UnitWording.objects.bulk_create(
            UnitWording(
                organisation_id=actor.organisation_id,
                unit_id=w.unit_id,
                requirement=w.requirement,
                steps=list(w.steps),
                verdict=w.verdict,
                imported_at=now,
                source_name=filename[:200],
            )
            for w in rows
        )
        audit.record(
            actor=actor,
            action="catalogue.wording_import",
            obj=actor.organisation,
            details={"file": filename[:200], "rows": len(rows), "replaced": removed},
        )
    return len(rows)


def wording_clear(*, actor: User) -> int:
    permissions.require(actor, "catalogue.manage_wording")
    with transaction.atomic():
        removed, _ = UnitWording.objects.filter(organisation_id=actor.organisation_id).delete()
        audit.record(
            actor=actor,
            action="catalogue.wording_clear",
            obj=actor.organisation,
            details={"removed": removed},
        )
    return removed
