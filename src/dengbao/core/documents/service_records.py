"""The year-of-services records as Word: 安全巡检及加固记录 (one visit) and 应急响应记录 (one ticket).

Their contexts are the plain dicts the engagements app's record selectors return (dates as
text, labels in Chinese), so a replacement template sees exactly those names; this module
only adds the totals the documents print.
"""

from __future__ import annotations

from pathlib import Path

from . import builder
from .common import TEMPLATES

INSPECTION_TEMPLATE = TEMPLATES / "inspection-record.docx"
TICKET_TEMPLATE = TEMPLATES / "ticket-record.docx"


def inspection_context(record: dict) -> dict:
    counts = record.get("counts", {})
    abnormal = [
        {"object": f"{o['type']} {o['name']}", **r}
        for o in record.get("objects", [])
        for r in o.get("results", [])
        if r.get("outcome") == "abnormal"
    ]
    return {
        **record,
        "totals": {
            "objects": len(record.get("objects", [])),
            "normal": counts.get("normal", 0),
            "abnormal": counts.get("abnormal", 0),
            "unchecked": counts.get("not_checked", 0),
        },
        "abnormal": abnormal,
    }


def ticket_context(record: dict) -> dict:
    ticket = record["ticket"]
    return {
        **record,
        "systems_text": "、".join(ticket.get("systems", [])) or "—",
        "sla_text": "存在超时的服务时限" if record.get("breached") else "各项服务时限均已满足或仍在时限内",
    }


def render_inspection_record(record: dict, *, template: Path | None = None) -> bytes:
    return builder.render_docx(template or INSPECTION_TEMPLATE, inspection_context(record))


def render_ticket_record(record: dict, *, template: Path | None = None) -> bytes:
    return builder.render_docx(template or TICKET_TEMPLATE, ticket_context(record))
