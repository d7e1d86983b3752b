"""Storing generated documents: every generation is a new version with its SHA-256."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core.documents.builder import sha256
from dengbao.errors import Refused

from .documents.store import _pdf_name, _pdf_of, document_store
from .models import DocumentTemplate, GeneratedDocument

__all__ = ["document_store"]  # made here before the registry; kept for its callers


def document_pdf(*, actor: User, document: GeneratedDocument) -> bytes:
    """The document as PDF: converted once by LibreOffice, then kept with the version."""
    permissions.require(actor, "project.view", document.project)
    if document.pdf:
        with document.pdf.open("rb") as stored:
            return stored.read()
    with document.file.open("rb") as source:
        content = _pdf_of(source.read())
    document.pdf.save(_pdf_name(document.filename), ContentFile(content), save=False)
    GeneratedDocument.objects.filter(pk=document.pk).update(pdf=document.pdf.name)
    return content


def document_lock(*, actor: User, document: GeneratedDocument) -> GeneratedDocument:
    """签发: the reviewer signs this version off; it is then final and can no longer be replaced
    or removed. Only a report of a finalised round can be signed — its results are frozen."""
    permissions.require(actor, "project.review", document.project)
    if document.kind != "assessment_report":
        raise ValidationError("只有等级测评报告需要签发")
    with transaction.atomic():
        locked = GeneratedDocument.objects.select_for_update(of=("self",)).get(pk=document.pk)
        if locked.locked_at is not None:
            raise ValidationError(f"该版本已于 {timezone.localtime(locked.locked_at):%Y-%m-%d %H:%M} 签发")
        rnd = (
            locked.assessment.rounds.filter(number=locked.round_number).first() if locked.assessment else None
        )
        if rnd is None or rnd.finalised_at is None:
            raise ValidationError("测评轮次尚未定稿，不能签发：请先由审核员定稿该轮测评结果")
        latest = (
            GeneratedDocument.objects.filter(
                project=locked.project,
                system=locked.system,
                kind=locked.kind,
                round_number=locked.round_number,
            )
            .order_by("-version")
            .first()
        )
        if latest.pk != locked.pk:
            raise ValidationError(f"只能签发该轮次的最新版本（v{latest.version}）")
        locked.locked_at, locked.locked_by = timezone.now(), actor
        locked.save(update_fields=["locked_at", "locked_by"])
        audit.record(
            actor=actor,
            action="document.lock",
            obj=locked,
            details={"version": locked.version, "sha256": locked.sha256, "data": locked.data},
            project=locked.project,
        )
    return locked


def document_release(*, actor: User, document: GeneratedDocument) -> GeneratedDocument:
    """发布: the manager hands this version to the client, who can then see and download it.
    An 等级测评报告 reaches the client by being signed (签发), never as a draft."""
    permissions.require(actor, "project.release_document", document.project)
    if document.kind == "assessment_report":
        raise ValidationError("等级测评报告须经签发后提供给被测单位，不能直接发布草稿")
    with transaction.atomic():
        released = GeneratedDocument.objects.select_for_update(of=("self",)).get(pk=document.pk)
        if released.released:
            raise ValidationError("该版本已提供给被测单位")
        released.released_at, released.released_by = timezone.now(), actor
        released.save(update_fields=["released_at", "released_by"])
        audit.record(
            actor=actor,
            action="document.release",
            obj=released,
            details={"version": released.version, "sha256": released.sha256},
            project=released.project,
        )
    return released


MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def template_upload(*, actor: User, kind: str, filename: str, content: bytes) -> DocumentTemplate:
    """Store an organisation's replacement template with the result of checking it against the demo data."""
    import tempfile

    from dengbao.core.documents.kinds import check_template

    from .documents import templates

    permissions.require(actor, "documents.manage_templates")
    if kind not in templates():
        raise ValidationError(f"unknown template kind {kind!r}")
    if not actor.organisation_id:
        raise ValidationError("您的账户不属于任何单位")
    if len(content) > MAX_TEMPLATE_BYTES or not filename.lower().endswith(".docx"):
        raise ValidationError("请上传不超过 10 MB 的 .docx 文件")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.docx"
        path.write_bytes(content)
        problems = check_template(path, templates()[kind], name=Path(filename).name[:200])
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
        raise Refused("not your organisation's template")
    if active and template.problems:
        raise ValidationError("模板检查未通过，不能启用")
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


AGENCY_FIELDS = (
    "agency_code",
    "report_number_pattern",
    "contact_name",
    "contact_phone",
    "contact_email",
    "postcode",
)


def agency_profile_save(*, actor: User | None, organisation, **fields: str):
    """Set the 测评机构's code, report-number pattern and contact (audited); both are checked first."""
    from dengbao.core.documents.report_number import AGENCY_CODE, PatternError, check_pattern

    from .models import AgencyProfile

    if actor is not None:
        permissions.require(actor, "documents.manage_templates")
        if actor.organisation_id != organisation.pk:
            raise Refused("只能设置本单位的测评机构信息")
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    values = {k: str(v).strip() for k, v in fields.items()}
    if values.get("agency_code") and not AGENCY_CODE.match(values["agency_code"]):
        raise ValidationError("测评机构代码应为 4 位数字")
    if values.get("report_number_pattern"):
        try:
            check_pattern(values["report_number_pattern"])
        except PatternError as exc:
            raise ValidationError(str(exc)) from None
    with transaction.atomic():
        profile, _created = AgencyProfile.objects.select_for_update().get_or_create(organisation=organisation)
        before = {k: getattr(profile, k) for k in AGENCY_FIELDS}
        for key, value in values.items():
            setattr(profile, key, value)
        profile.save()
        audit.record(
            actor=actor,
            action="agency_profile.save",
            obj=profile,
            before=before,
            after={k: getattr(profile, k) for k in AGENCY_FIELDS},
        )
    return profile
