"""The checklist's search: which rows match a query, and where (a snippet of the matching text).

A row matches by its unit ID, its catalogue item's control point or requirement, its 结果记录,
or the name or recognised text (OCR) of its evidence. Matching ignores case and white space,
since OCR often drops or adds spaces ("8 个字符" is read as "8个字符").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

SNIPPET = 24  # characters shown on each side of a match
MAX_QUERY = 100


@dataclass(frozen=True)
class Hit:
    where: str
    before: str
    match: str
    after: str


def _compact(text: str) -> tuple[str, list[int]]:
    """The text without white space, folded, with each kept character's index in the original."""
    kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _i, ch in kept).casefold(), [i for i, _ch in kept]


def find(text: str, query: str) -> Hit | None:
    """The first place ``query`` occurs in ``text`` (case and white space ignored), with context."""
    needle, _ = _compact(query)
    if not needle or not text:
        return None
    hay, index = _compact(text)
    at = hay.find(needle)
    if at < 0:
        return None
    start, end = index[at], index[at + len(needle) - 1] + 1

    def flat(s: str) -> str:
        return " ".join(s.split())

    before = flat(text[max(0, start - SNIPPET) : start])
    after = flat(text[end : end + SNIPPET])
    return Hit(
        "",
        ("…" if start > SNIPPET else "") + before,
        flat(text[start:end]),
        after + ("…" if end + SNIPPET < len(text) else ""),
    )


def row_hits(record, item, query: str) -> list[Hit]:
    """Where one checklist row (result record with prefetched evidence, catalogue item) matches."""
    places: list[tuple[str, str]] = [(_("测评单元"), record.unit_id)]
    if item is not None:
        places += [(_("控制点"), item.control_point), (_("测评项"), item.requirement)]
    places.append((_("结果记录"), record.note))
    for evidence in record.evidence.all():
        places.append((_("证据文件"), evidence.filename))
        places.append((_("截图文字") + f" · {evidence.filename}", evidence.ocr_text))
    hits = []
    for where, text in places:
        hit = find(text or "", query)
        if hit is not None:
            hits.append(Hit(where, hit.before, hit.match, hit.after))
    return hits


def search(rows: list[tuple], query: str) -> list[tuple]:
    """The rows that match, in order; each matching record gets ``search_hits`` for _row.html."""
    query = query.strip()[:MAX_QUERY]
    out = []
    for record, item in rows:
        hits = row_hits(record, item, query)
        if hits:
            record.search_hits = hits
            out.append((record, item))
    return out
