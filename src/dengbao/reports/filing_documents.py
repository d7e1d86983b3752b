"""定级报告 and 备案表 of a project's systems (the kinds: documents/grading_report.py, filing_form.py),
one at a time or every system's as one zip."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.utils import translation

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.systems.models import InformationSystem

from .documents import DocumentNotReady, Made, document_make


def make_grading_report(*, actor: User | None, project: Project, system: InformationSystem) -> Made:
    return document_make(actor=actor, project=project, kind="grading_report", system=system)


def make_filing_form(
    *, actor: User | None, project: Project, system: InformationSystem, layout: str = "2025"
) -> Made:
    return document_make(actor=actor, project=project, kind="filing_form", system=system, layout=layout)


@translation.override("zh-hans")  # the official Chinese terms, whatever the UI language
def make_all(*, actor: User | None, project: Project) -> tuple[bytes, list[str]]:
    """Every system's 定级报告 and 备案表 as one zip; systems not ready are listed, not skipped silently."""
    if actor is not None:
        permissions.require(actor, "project.view_internal", project)
    buffer = io.BytesIO()
    problems: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for system in project.systems.order_by("code", "name"):
            for kind in ("grading_report", "filing_form"):
                try:
                    made = document_make(actor=actor, project=project, kind=kind, system=system)
                except DocumentNotReady as exc:
                    problems += [
                        f"{system.name}：{m}" if not m.startswith(system.name) else m for m in exc.missing
                    ]
                    continue
                archive.writestr(made.document.filename, made.content)
        stamp = dt.date.today().isoformat()
        if problems:
            archive.writestr("未生成-请补充.txt", "\n".join(problems) + "\n")
        archive.comment = f"dengbao {project.slug} {stamp}".encode()
    return buffer.getvalue(), problems
