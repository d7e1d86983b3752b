"""All deliverables of a project as one zip: per system 定级报告, 备案表 and 测评报告 (and the
保护工作方案 of a level 3+ system), plus the gap list.

This is the document set of SCENARIO.md (the 备案证明 are the police's, uploaded, not made
here). A document that cannot be made yet is listed in 未生成-请补充.txt with the reason,
never silently left out; 清单-SHA256.txt lists every file with its hash.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import Http404

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.assessments import problem_selectors
from dengbao.core import problems as core_problems
from dengbao.core.documents.builder import DocumentError, sha256
from dengbao.systems import documents as system_documents
from dengbao.systems.documents import DocumentNotReady

from . import services
from .assessment_documents import make_assessment_report
from .models import DocumentKind, GeneratedDocument
from .protection_plan import make_protection_plan, plan_required

GAP_LIST_NAME = "差距分析问题列表.xlsx"
MISSING_NAME = "未生成-请补充.txt"
MANIFEST_NAME = "清单-SHA256.txt"

Progress = Callable[[int, int, str], None]


@dataclass
class Bundle:
    content: bytes
    files: list[str]
    missing: list[str]
    documents: list[GeneratedDocument] = field(default_factory=list)


def make_gap_list_xlsx(*, actor: User, project: Project) -> system_documents.Made:
    """The project's gap list (every assessment's current round) as a stored .xlsx version."""
    permissions.require(actor, "project.view_internal", project)
    entries = problem_selectors.gap_list(
        actor=actor, project=project, assessment=None, filters=problem_selectors.GapFilters()
    )
    stream = io.BytesIO()
    core_problems.write_gap_list(
        (e.gap_row() for e in entries), stream, title=f"差距分析问题列表：{project.name}", with_scope=True
    )
    content = stream.getvalue()
    document = services.document_store(
        actor=actor,
        project=project,
        kind=DocumentKind.GAP_LIST_XLSX,
        filename=GAP_LIST_NAME,
        content=content,
        data={"problems": len(entries)},
    )
    return system_documents.Made(document, content)


def bundle_steps(project: Project) -> list[tuple[str, str, Callable[..., system_documents.Made]]]:
    """(folder, label, maker) for every document of the set, in the order they are made."""
    steps = []
    for system in project.systems.order_by("code", "name"):
        folder = system.code or str(system.pk)
        for label, maker in (
            ("定级报告", system_documents.make_grading_report),
            ("备案表", system_documents.make_filing_form),
            ("等级测评报告", make_assessment_report),
        ):
            steps.append((folder, f"{system.name}：{label}", _for_system(maker, system)))
        if plan_required(system):  # 1846号 Q23: level 3 and above only
            steps.append((folder, f"{system.name}：保护工作方案", _for_system(make_protection_plan, system)))
    steps.append(("", "差距分析问题列表", make_gap_list_xlsx))
    return steps


def make_bundle(*, actor: User, project: Project, progress: Progress | None = None) -> Bundle:
    permissions.require(actor, "project.view_internal", project)
    steps = bundle_steps(project)
    buffer = io.BytesIO()
    files: list[str] = []
    missing: list[str] = []
    made_documents: list[GeneratedDocument] = []
    manifest: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (folder, label, maker) in enumerate(steps, start=1):
            if progress:
                progress(n - 1, len(steps), label)
            try:
                made = maker(actor=actor, project=project)
            except DocumentNotReady as exc:
                missing += [m if m.startswith(label.split("：")[0]) else f"{label}：{m}" for m in exc.missing]
                continue
            except (DocumentError, Http404) as exc:
                missing.append(f"{label}：{exc}")
                continue
            name = f"{folder}/{made.document.filename}" if folder else made.document.filename
            archive.writestr(name, made.content)
            files.append(name)
            made_documents.append(made.document)
            manifest.append(f"{sha256(made.content)}  {name}")
        if missing:
            archive.writestr(MISSING_NAME, "\n".join(missing) + "\n")
            files.append(MISSING_NAME)
        archive.writestr(MANIFEST_NAME, "\n".join(manifest) + "\n")
        files.append(MANIFEST_NAME)
        archive.comment = f"dengbao {project.slug} {dt.date.today().isoformat()}".encode()
    if progress:
        progress(len(steps), len(steps), "完成")
    return Bundle(buffer.getvalue(), files, missing, made_documents)


def _for_system(maker: Callable[..., system_documents.Made], system) -> Callable[..., system_documents.Made]:
    def make(*, actor: User, project: Project) -> system_documents.Made:
        return maker(actor=actor, project=project, system=system)

    return make
