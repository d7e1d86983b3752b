"""Storing generated documents: every generation is a new version with its SHA-256."""

from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.documents.builder import sha256

from .models import DocumentTemplate, GeneratedDocument


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
) -> GeneratedDocument:
    """Store ``content`` as the next version of this document, with where it came from: the
    template file (None: the shipped one) and, for documents that can be signed, the data."""
    if actor is not None:
        permissions.require(actor, "project.view_internal", project)
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
        document.save()
        audit.record(
            actor=actor,
            action="document.generate",
            obj=document,
            details={"kind": kind, "version": document.version, "sha256": document.sha256},
            project=project,
        )
    return document


def _template_label(template: Path | None) -> str:
    from dengbao.core.documents.common import TEMPLATES

    if template is None:
        return ""
    shipped = Path(template).resolve().parent == TEMPLATES.resolve()
    return f"{Path(template).name}（内置）" if shipped else Path(template).name


MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def template_upload(*, actor: User, kind: str, filename: str, content: bytes) -> DocumentTemplate:
    """Store an organisation's replacement template with the result of checking it against the demo data."""
    import tempfile

    from dengbao.core.documents.kinds import KINDS, check_template

    permissions.require(actor, "documents.manage_templates")
    if kind not in KINDS:
        raise ValueError(f"unknown template kind {kind!r}")
    if not actor.organisation_id:
        raise ValueError("您的账户不属于任何单位")
    if len(content) > MAX_TEMPLATE_BYTES or not filename.lower().endswith(".docx"):
        raise ValueError("请上传不超过 10 MB 的 .docx 文件")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.docx"
        path.write_bytes(content)
        problems = check_template(path, kind)
    with transaction.atomic():
        template = DocumentTemplate(
            organisation_id=actor.organisation_id,
            kind=kind,
            filename=filename[:200],
            sha256=sha256(content),
            problems=problems,
            uploaded_by=actor,
        )
        template.file.save(filename, ContentFile(content), save=False)
        template.save()
        audit.record(
            actor=actor,
            action="template.upload",
            obj=template,
            details={"kind": kind, "sha256": template.sha256, "problems": len(problems)},
        )
    return template


def template_activate(*, actor: User, template: DocumentTemplate, active: bool) -> DocumentTemplate:
    permissions.require(actor, "documents.manage_templates")
    if template.organisation_id != actor.organisation_id:
        raise PermissionError("not your organisation's template")
    if active and template.problems:
        raise ValueError("模板检查未通过，不能启用")
    with transaction.atomic():
        if active:
            DocumentTemplate.objects.filter(
                organisation_id=template.organisation_id, kind=template.kind, active=True
            ).update(active=False)
        template.active = active
        template.save(update_fields=["active"])
        audit.record(
            actor=actor, action="template.activate" if active else "template.deactivate", obj=template
        )
    return template
