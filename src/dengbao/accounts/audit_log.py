"""Reading the audit log: only the audit administrator may (``audit.read``), and reading is audited.

Every selector takes the acting user and asks the one permission layer first; a
refusal is itself recorded there (``permission.denied``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from dengbao.audit import keys, services
from dengbao.audit.models import AuditEvent
from dengbao.core import hashchain

from . import permissions

if TYPE_CHECKING:
    from dengbao.accounts.models import User

PER_PAGE = 50
_SUMMARY_LIMIT = 300


@dataclass(frozen=True)
class EventFilter:
    """What the reader narrowed the log to. Dates are local calendar days, both inclusive."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str = ""  # part of the actor's user name
    action: str = ""  # exact
    outcome: str = ""  # exact
    project_id: int | None = None
    text: str = ""  # part of the object's name, type or exact id

    def as_details(self) -> dict[str, Any]:
        """The non-empty filters, for the audit record of the read."""
        values = {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "actor": self.actor,
            "action": self.action,
            "outcome": self.outcome,
            "project_id": self.project_id,
            "text": self.text,
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class ChainStatus:
    records: int
    intact: bool
    broken_seq: int | None = None
    reason: str = ""
    key_problem: bool = False  # the key file is missing or is not the chain's key


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(filters: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.actor:
        events = events.filter(actor_name__icontains=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.project_id is not None:
        events = events.filter(project_id=filters.project_id)
    if filters.text:
        events = events.filter(
            Q(object_repr__icontains=filters.text)
            | Q(object_type__icontains=filters.text)
            | Q(object_id=filters.text)
        )
    return events.order_by("-seq")


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def change_summary(details: dict[str, Any]) -> str:
    """One line for an event's details: ``field: before → after`` for changes, ``key=value`` otherwise."""
    details = details if isinstance(details, dict) else {"details": details}
    before = details.get("before") if isinstance(details.get("before"), dict) else {}
    after = details.get("after") if isinstance(details.get("after"), dict) else {}
    parts = []
    for key in list(before) + [k for k in after if k not in before]:
        if key in before and key in after:
            if before[key] != after[key]:
                parts.append(f"{key}: {_short(before[key])} → {_short(after[key])}")
        elif key in after:
            parts.append(f"{key}: {_short(after[key])}")
        else:
            parts.append(f"{key}: {_short(before[key])} → ∅")
    for key, value in details.items():
        if key not in ("before", "after"):
            parts.append(f"{key}={_short(value)}")
    text = "; ".join(parts)
    return text if len(text) <= _SUMMARY_LIMIT else text[: _SUMMARY_LIMIT - 1] + "…"


def filter_choices(*, actor: User) -> dict[str, list[Any]]:
    """What the filter form offers: the actions and outcomes in the log, and the projects."""
    from dengbao.accounts.models import Project

    permissions.require(actor, "audit.read")
    distinct = AuditEvent.objects.order_by()
    return {
        "actions": sorted(distinct.values_list("action", flat=True).distinct()),
        "outcomes": sorted(distinct.values_list("outcome", flat=True).distinct()),
        "projects": list(Project.objects.order_by("name").values_list("pk", "name")),
    }


def event_page(*, actor: User, filters: EventFilter, page_number: Any = 1) -> Page:
    """One page (newest first) of the filtered log; records that ``actor`` read it (``audit.view``)."""
    permissions.require(actor, "audit.read")
    page = Paginator(_filtered(filters), PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.summary = change_summary(event.details)
    services.record(
        actor=actor,
        action="audit.view",
        details={"filters": filters.as_details(), "page": page.number, "matches": page.paginator.count},
    )
    return page


def export_header() -> list[str]:
    return [
        "序号 seq",
        f"时间 time ({timezone.get_default_timezone_name()})",
        "操作人 actor",
        "操作人ID actor id",
        "来源地址 IP",
        "操作 action",
        "结果 outcome",
        "对象类型 object type",
        "对象ID object id",
        "对象 object",
        "项目ID project id",
        "变更摘要 summary",
        "详情 details (JSON)",
        "哈希 hash",
    ]


def _export_row(event: AuditEvent) -> list[Any]:
    return [
        event.seq,
        timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_name,
        event.actor_id,
        event.ip,
        event.action,
        event.outcome,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.project_id,
        change_summary(event.details),
        json.dumps(event.details, ensure_ascii=False, sort_keys=True, default=str),
        event.hash,
    ]


def export_rows(*, actor: User, filters: EventFilter) -> Iterator[list[Any]]:
    """The filtered log as rows (header first, newest first), for a CSV or spreadsheet export.

    The permission check and the ``audit.export`` record happen now, before the first
    row is read; the rows themselves stream. Cells are not yet neutralised: the writer
    (``core.spreadsheet``) does that.
    """
    permissions.require(actor, "audit.read")
    # Up to the newest record now: not this export's own record, nor what is appended while it streams.
    newest = AuditEvent.objects.aggregate(newest=Max("seq"))["newest"] or 0
    events = _filtered(filters).filter(seq__lte=newest)
    services.record(
        actor=actor,
        action="audit.export",
        details={"filters": filters.as_details(), "rows": events.count()},
    )

    def rows() -> Iterator[list[Any]]:
        yield export_header()
        for event in events.iterator(chunk_size=2000):
            yield _export_row(event)

    return rows()


def chain_check(*, actor: User, progress: Callable[[int], None] | None = None) -> ChainStatus:
    """Verify the whole hash chain for ``actor``; the check and its result are audited."""
    permissions.require(actor, "audit.read")
    status = _checked(progress)
    if status.key_problem:
        return status  # nothing can be appended without the chain's key
    services.record(
        actor=actor,
        action="audit.verify",
        outcome="ok" if status.intact else "failed",
        details={"records": status.records}
        if status.intact
        else {"records": status.records, "broken_seq": status.broken_seq},
    )
    return status


def _checked(
    progress: Callable[[int], None] | None = None, anchor: tuple[int, str] | None = None
) -> ChainStatus:
    try:
        records, broken = services.verify(progress=progress, anchor=anchor)
    except keys.AuditKeyError as exc:
        return ChainStatus(
            records=AuditEvent.objects.count(), intact=False, reason=str(exc), key_problem=True
        )
    return _status(records, broken)


def _status(records: int, broken: hashchain.Break | None) -> ChainStatus:
    if broken is None:
        return ChainStatus(records=records, intact=True)
    return ChainStatus(records=records, intact=False, broken_seq=broken.seq, reason=broken.reason)


def chain_status_unaudited(
    progress: Callable[[int], None] | None = None, *, anchor: tuple[int, str] | None = None
) -> ChainStatus:
    """The chain's state for the operator's command line (``dengbao audit verify``).

    Not tied to a user and not recorded: checking evidence must not alter it, and the
    answer (a count and the first broken seq) reveals nothing of the log's content.
    """
    return _checked(progress, anchor)
