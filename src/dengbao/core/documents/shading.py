"""Cell shading the way Word's schema wants it (docxtpl's ``cellbg`` and the template kit)."""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn

# Schema order of a cell's properties (CT_TcPr); Word rejects some files that break it.
_TCPR_ORDER = [qn(f"w:{t}") for t in (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
    "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge",
    "tcPrChange",
)]  # fmt: skip


def insert_cell_property(tc_pr: Any, element: Any) -> None:
    """Put ``element`` into a ``w:tcPr`` at its schema position (replacing one of its kind)."""
    for old in tc_pr.findall(element.tag):
        tc_pr.remove(old)
    rank = _TCPR_ORDER.index(element.tag)
    for i, child in enumerate(tc_pr):
        if child.tag in _TCPR_ORDER and _TCPR_ORDER.index(child.tag) > rank:
            tc_pr.insert(i, element)
            return
    tc_pr.append(element)


def tidy_shading(document: Any) -> None:
    """docxtpl's cellbg puts ``w:shd`` first in the cell properties: move it where the schema
    wants it, and drop it when its colour is empty (the unmarked cells)."""
    for shd in list(document.element.body.iter(qn("w:shd"))):
        tc_pr = shd.getparent()
        if tc_pr.tag != qn("w:tcPr"):
            continue
        tc_pr.remove(shd)
        if shd.get(qn("w:fill")):
            insert_cell_property(tc_pr, shd)
