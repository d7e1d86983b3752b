"""The offline Excel round trip of checklists: export, preview an import, apply it.

The file is parsed and diffed by ``core.checklist_xlsx``; this module authorises, reads
the records, and keeps the changes of a previewed import server-side (a JSON file under
MEDIA_ROOT/tmp named by a random token and bound to the user, the assessment and the
round) until the user confirms. Applying goes through ``services.results_apply``: one
transaction, version-checked, audited.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.catalogue import selectors as catalogue_selectors
from dengbao.core.catalogue import default as catalogue
from dengbao.core.catalogue.vocab import CATEGORY_BY_CODE, PARTS
from dengbao.core.checklist_xlsx import (
    ChecklistError,
    ChecklistRow,
    Content,
    RecordState,
    diff,
    make_content,
    read_checklist,
    write_checklist,
)

from . import selectors, services
from .models import Assessment, AssessmentObject, Round

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_DIR = "tmp/excel-import"
PENDING_TTL_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _key(assessment: Assessment) -> bytes:
    """The key of the rows' check cells: a file's hidden ids cannot be edited unnoticed."""
    return salted_hmac("dengbao.assessments.excel", f"assessment:{assessment.pk}").digest()


def _expect(assessment: Assessment, rnd: Round) -> dict[str, str]:
    return {"assessment_id": str(assessment.pk), "round_id": str(rnd.pk)}


# --- export ---------------------------------------------------------------------------------------


def checklist_rows(*, actor: User, rnd: Round, obj: AssessmentObject | None = None) -> list[ChecklistRow]:
    """The round's results (or one object's) as rows, objects by type and name, units in catalogue order."""
    permissions.require(actor, "project.view_internal", rnd.assessment.project)
    cat = catalogue()
    wording = catalogue_selectors.wording_for(actor=actor)
    order = {item.id: n for n, item in enumerate(cat.items)}
    records = rnd.results.select_related("obj")
    if obj is not None:
        records = records.filter(obj=obj)
    rows = []
    for record in sorted(
        records, key=lambda r: (r.obj.kind, r.obj.name, order.get(r.unit_id, 1 << 30), r.unit_id)
    ):
        item = cat.by_id.get(record.unit_id)
        own = wording.get(record.unit_id)
        category = control_point = requirement = ""
        steps: tuple[str, ...] = ()
        verdict = ""
        if item is not None:
            category = CATEGORY_BY_CODE[item.category].name
            if item.part != "general":
                category = f"{category}（{PARTS[item.part][1].removesuffix('安全扩展要求')}扩展）"
            control_point = item.control_point
            text = own.requirement if own and own.requirement else item.requirement
            requirement = f"{item.letter}）{text}"
            steps = tuple(own.steps if own and own.steps else item.steps)
            verdict = own.verdict if own and own.verdict else item.verdict
        rows.append(
            ChecklistRow(
                record_id=record.pk,
                version=record.version,
                object_name=record.obj.name,
                object_type=record.obj.kind,
                unit_id=record.unit_id,
                category=category,
                control_point=control_point,
                requirement=requirement,
                steps=steps,
                result=record.result,
                note=record.note,
                methods=tuple(record.methods or ()),
                na_reason=record.na_reason,
                verdict=verdict,
            )
        )
    return rows


def checklist_export(
    *, actor: User, assessment: Assessment, object_id: int | None = None
) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the current round's checklist of one object or of every object."""
    project = assessment.project
    permissions.require(actor, "project.view_internal", project)
    rnd = services.current_round(assessment)
    obj = None
    if object_id is not None:
        obj = selectors.object_get(actor=actor, assessment=assessment, object_id=object_id)
    rows = checklist_rows(actor=actor, rnd=rnd, obj=obj)
    now = timezone.localtime()
    meta = {
        "assessment_id": str(assessment.pk),
        "assessment": assessment.name,
        "project": project.slug,
        "round_id": str(rnd.pk),
        "round": rnd.label,
        "object": obj.name if obj is not None else "全部测评对象",
        "exported_at": now.isoformat(timespec="seconds"),
        "exported_by": actor.get_username(),
    }
    title = f"{assessment.name} · {rnd.label}"
    buffer = io.BytesIO()
    write_checklist(rows, buffer, title=title, meta=meta, key=_key(assessment))
    audit.record(
        actor=actor,
        action="result.export",
        obj=assessment,
        details={
            "round": rnd.number,
            "object": obj.name if obj is not None else "",
            "rows": len(rows),
            "format": "xlsx",
        },
        project=project,
    )
    scope = _UNSAFE_IN_FILENAME.sub("_", obj.name if obj is not None else assessment.name)[:80]
    return f"测评作业表-{scope}-{rnd.label}-{now:%Y%m%d-%H%M}.xlsx", buffer.getvalue()


# --- import: preview ------------------------------------------------------------------------------


@dataclass
class ChangeView:
    object_name: str
    unit_id: str
    sheet: str
    row: int
    fields: list[tuple[str, str, str]]  # (label, before, after) of what differs


@dataclass
class ConflictView:
    object_name: str
    unit_id: str
    sheet: str
    row: int
    mine: str
    current: str
    by: str
    at: object


@dataclass
class Preview:
    filename: str
    changes: list[ChangeView] = field(default_factory=list)
    conflicts: list[ConflictView] = field(default_factory=list)
    unchanged: int = 0
    token: str = ""  # set when there is something to confirm


FIELDS = (
    ("result", _("符合情况")),
    ("note", _("结果记录")),
    ("methods", _("测评方法")),
    ("na_reason", _("不适用理由")),
)


def _shown(content: Content, key: str) -> str:
    value = getattr(content, key)
    if key == "methods":
        return "、".join(value)
    if key == "result":
        return value or "未记录"
    return value


def _summary(content: Content) -> str:
    parts = [content.result or "未记录"]
    if content.na_reason:
        parts.append(f"理由：{content.na_reason}")
    if content.methods:
        parts.append("、".join(content.methods))
    if content.note:
        parts.append(content.note)
    return "；".join(parts)


class _Record(NamedTuple):
    version: int
    content: Content
    obj_name: str
    unit_id: str
    by: str | None
    at: object


def _records(rnd: Round) -> dict[int, _Record]:
    """Every result of the round as it is now (the file may name any of them)."""
    rows = rnd.results.values_list(
        "pk",
        "version",
        "result",
        "note",
        "methods",
        "na_reason",
        "obj__name",
        "unit_id",
        "recorded_by__username",
        "recorded_at",
    )
    return {
        pk: _Record(version, make_content(result, note, methods or (), na_reason), obj_name, unit_id, by, at)
        for pk, version, result, note, methods, na_reason, obj_name, unit_id, by, at in rows
    }


def import_preview(
    *, actor: User, assessment: Assessment, stream: BinaryIO, filename: str, size: int
) -> Preview:
    """Read and diff a filled file against the records now; keep the changes for ``import_confirm``.

    Raises ValidationError listing every problem (sheet and row) when the file cannot be used.
    """
    project = assessment.project
    permissions.require(actor, "project.record", project)
    if size > settings.DENGBAO_MAX_UPLOAD_BYTES:
        raise ValidationError(f"文件过大：上限 {settings.DENGBAO_MAX_UPLOAD_MB} MB")
    rnd = services.current_round(assessment)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再导入")
    try:
        edits = read_checklist(stream, key=_key(assessment), expect=_expect(assessment, rnd))
        records = _records(rnd)
        changes, unchanged, conflicts = diff(
            {pk: RecordState(version=r.version, content=r.content) for pk, r in records.items()}, edits
        )
    except ChecklistError as exc:
        raise ValidationError(exc.problems) from None
    preview = Preview(filename=filename[:200], unchanged=unchanged)
    for change in changes:
        record = records[change.record_id]
        fields = [
            (label, _shown(change.before, key), _shown(change.after, key))
            for key, label in FIELDS
            if getattr(change.before, key) != getattr(change.after, key)
        ]
        preview.changes.append(ChangeView(record.obj_name, record.unit_id, change.sheet, change.row, fields))
    for conflict in conflicts:
        record = records[conflict.record_id]
        preview.conflicts.append(
            ConflictView(
                record.obj_name,
                record.unit_id,
                conflict.sheet,
                conflict.row,
                _summary(conflict.mine),
                _summary(conflict.current),
                record.by or "他人",
                record.at,
            )
        )
    order = {name: n for n, name in enumerate(sorted({c.object_name for c in preview.changes}))}
    preview.changes.sort(key=lambda c: (order[c.object_name], c.sheet, c.row))
    if changes and not conflicts:
        preview.token = _pending_save(
            {
                "user": actor.pk,
                "assessment": assessment.pk,
                "round": rnd.pk,
                "filename": preview.filename,
                "changes": [
                    {
                        "record_id": c.record_id,
                        "version": c.version,
                        "result": c.after.result,
                        "note": c.after.note,
                        "methods": list(c.after.methods),
                        "na_reason": c.after.na_reason,
                    }
                    for c in changes
                ],
            }
        )
    return preview


# --- import: confirm ------------------------------------------------------------------------------


def import_confirm(*, actor: User, assessment: Assessment, token: str) -> int:
    """Apply the changes previewed under ``token``, all or nothing; returns how many were applied.

    A record changed since the preview makes ``results_apply`` raise ConflictError listing it.
    """
    permissions.require(actor, "project.record", assessment.project)
    pending = _pending_load(token)
    rnd = services.current_round(assessment)
    if (
        pending is None
        or pending.get("user") != actor.pk
        or pending.get("assessment") != assessment.pk
        or pending.get("round") != rnd.pk
    ):
        raise ValidationError("导入预览已失效或不存在，请重新上传文件")
    try:
        return services.results_apply(
            actor=actor, rnd=rnd, changes=pending["changes"], source=f"Excel 导入：{pending['filename']}"
        )
    finally:
        _pending_discard(token)


def import_cancel(*, actor: User, assessment: Assessment, token: str) -> None:
    permissions.require(actor, "project.record", assessment.project)
    pending = _pending_load(token)
    if pending is not None and pending.get("user") == actor.pk and pending.get("assessment") == assessment.pk:
        _pending_discard(token)


# --- pending imports: server-side, never in the form ----------------------------------------------


def _pending_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / PENDING_DIR
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _pending_path(token: str) -> Path | None:
    return _pending_dir() / f"{token}.json" if _TOKEN.match(token or "") else None


def _pending_save(payload: dict) -> str:
    directory = _pending_dir()
    cutoff = time.time() - PENDING_TTL_SECONDS
    for old in directory.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    path = directory / f"{token}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False)
    return token


def _pending_load(token: str) -> dict | None:
    path = _pending_path(token)
    try:
        if path is None or path.stat().st_mtime < time.time() - PENDING_TTL_SECONDS:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pending_discard(token: str) -> None:
    path = _pending_path(token)
    if path is not None:
        path.unlink(missing_ok=True)
