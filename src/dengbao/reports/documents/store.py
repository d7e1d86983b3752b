"""Storing a generated document: every generation is a new version with its SHA-256 (audited)."""

from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.documents.builder import sha256

from ..models import GeneratedDocument


def document_store(
    *,
    actor: User | None,
    project: Project,
    system=None,
    kind: str,
    filename: str,
    content: bytes,
    note: str = "",
    assessment=None,
    round_number: int | None = None,
    template: Path | None = None,
    data: dict | None = None,
    pdf: bool = False,
) -> GeneratedDocument:
    """Store ``content`` as the next version of this document, with where it came from: the
    template file (None: the shipped one) and, for documents that can be signed, the data."""
    if actor is not None:
        permissions.require(actor, "project.view_internal", project)
    pdf_content = _pdf_of(content) if pdf else None
    with transaction.atomic():
        latest = (
            GeneratedDocument.objects.select_for_update()
            .filter(project=project, system=system, kind=kind)
            .aggregate(v=Max("version"))["v"]
        )
        document = GeneratedDocument(
            project=project,
            system=system,
            kind=kind,
            version=(latest or 0) + 1,
            filename=filename,
            sha256=sha256(content),
            size=len(content),
            generated_by=actor,
            note=note,
            assessment=assessment,
            round_number=round_number,
            template_name=_template_label(template),
            template_sha256=sha256(template.read_bytes()) if template is not None else "",
            data=data,
        )
        document.file.save(filename, ContentFile(content), save=False)
        if pdf_content is not None:
            document.pdf.save(_pdf_name(filename), ContentFile(pdf_content), save=False)
        document.save()
        audit.record(
            actor=actor,
            action="document.generate",
            obj=document,
            details={"kind": kind, "version": document.version, "sha256": document.sha256},
            project=project,
        )
    return document


def _pdf_of(docx: bytes) -> bytes:
    from dengbao.core.documents.builder import DocumentError, to_pdf

    content = to_pdf(docx)
    if content is None:
        raise DocumentError(
            "未安装 LibreOffice，无法生成 PDF（Debian：apt-get install libreoffice-writer-nogui）"
        )
    return content


def _pdf_name(filename: str) -> str:
    return filename.rsplit(".", 1)[0] + ".pdf"


def _template_label(template: Path | None) -> str:
    from dengbao.core.documents.common import TEMPLATES

    if template is None:
        return ""
    shipped = Path(template).resolve().parent == TEMPLATES.resolve()
    return f"{Path(template).name}（内置）" if shipped else Path(template).name
