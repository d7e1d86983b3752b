"""All deliverables of a project as one zip: per system 定级报告, 备案表 and 测评报告, plus the gap list.

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
from django.utils.translation import gettext_lazy as _

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.documents.builder import DocumentError, sha256

from ..models import GeneratedDocument
from .base import DocumentKind, DocumentNotReady, Draft, Made
from .make import document_make
from .protection_plan_data import plan_required

MISSING_NAME = "未生成-请补充.txt"
MANIFEST_NAME = "清单-SHA256.txt"

Progress = Callable[[int, int, str], None]


@dataclass
class Bundle:
    content: bytes
    files: list[str]
    missing: list[str]
    documents: list[GeneratedDocument] = field(default_factory=list)


def bundle_steps(project: Project) -> list[tuple[str, str, Callable[..., Made]]]:
    """(folder, label, maker) for every document of the set, in the order they are made."""
    steps = []
    for system in project.systems.order_by("code", "name"):
        folder = system.code or str(system.pk)
        for label, kind in (
            ("定级报告", "grading_report"),
            ("备案表", "filing_form"),
            ("等级测评报告", "assessment_report"),
        ):
            steps.append((folder, f"{system.name}：{label}", _maker(kind, system=system)))
        if plan_required(system):  # 1846号 Q23: level 3 and above only
            steps.append((folder, f"{system.name}：保护工作方案", _maker("protection_plan", system=system)))
    steps.append(("", "差距分析问题列表", _maker("gap_list_xlsx")))
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


def _maker(kind: str, **args) -> Callable[..., Made]:
    def make(*, actor: User, project: Project) -> Made:
        return document_make(actor=actor, project=project, kind=kind, **args)

    return make


def prepare(*, actor: User, project: Project, progress: Progress | None = None) -> Draft:
    bundle = make_bundle(actor=actor, project=project, progress=progress)
    return Draft(
        data=bundle.content,
        filename=f"{project.slug}-交付文档.zip",
        stored={"files": bundle.files, "missing": bundle.missing},
        parts=bundle.documents,
        problems=bundle.missing,
    )


KIND = DocumentKind(
    name="bundle",
    label=_("项目全部交付文档"),
    prepare=prepare,
    render=lambda content, *, template=None: content,
    job_label="项目全部交付文档（zip）",
    order=200,
    progress=True,
)
