from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User

from .models import GeneratedDocument


def document_list(*, actor: User, project: Project) -> QuerySet[GeneratedDocument]:
    documents = project.documents.select_related("system", "generated_by", "locked_by", "released_by")
    return permissions.released_documents(actor, project, documents).order_by("-generated_at")


def document_get(*, actor: User, project: Project, document_id: int) -> GeneratedDocument:
    document = document_list(actor=actor, project=project).filter(pk=document_id).first()
    if document is None:
        raise Http404("document not found")
    return document


def template_list(*, actor: User):
    from .models import DocumentTemplate

    permissions.require(actor, "documents.manage_templates")
    return DocumentTemplate.objects.filter(organisation_id=actor.organisation_id).select_related(
        "uploaded_by"
    )


def template_get(*, actor: User, template_id: int):
    template = template_list(actor=actor).filter(pk=template_id).first()
    if template is None:
        raise Http404("template not found")
    return template


def active_template(*, organisation_id: int | None, kind: str):
    """The path of the organisation's switched-on template of this kind, or None for the shipped one."""
    from pathlib import Path

    from .models import DocumentTemplate

    if organisation_id is None:
        return None
    template = DocumentTemplate.objects.filter(
        organisation_id=organisation_id, kind=kind, active=True
    ).first()
    return Path(template.file.path) if template else None


def job_list(*, actor: User, project: Project):
    from .models import DocumentJob

    permissions.require(actor, "project.view_internal", project)
    return DocumentJob.objects.filter(project=project).select_related("created_by").order_by("-created_at")


def job_get(*, actor: User, project: Project, job_id: int):
    job = job_list(actor=actor, project=project).filter(pk=job_id).prefetch_related("documents").first()
    if job is None:
        raise Http404("job not found")
    return job
