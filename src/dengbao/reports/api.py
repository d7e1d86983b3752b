"""Documents over REST: the generated versions, generation jobs and their progress, a document's file."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import create_model

from dengbao.accounts import selectors as account_selectors
from dengbao.api_support import ErrorOut, ObjectId, Paging, body_doc, page, read_body, user_errors

from . import generation, selectors
from .documents import job_kinds, kind

router = Router(tags=["documents"])
router.add_decorator(user_errors)


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    system: str | None
    version: int
    filename: str
    size: int
    sha256: str
    template: str = Field(description="生成所用模板：内置，或本机构上传的模板文件名")
    template_sha256: str
    assessment_id: ObjectId | None
    round_number: int | None
    note: str
    generated_by: str | None
    generated_at: dt.datetime
    signed: bool
    signed_at: dt.datetime | None
    signed_by: str | None
    released: bool = Field(description="被测单位可见：已签发，或项目经理已发布")


class DocumentPage(Schema):
    count: int
    items: list[DocumentOut]


def _job_in() -> type[Schema]:
    """The body of a new job: ``kind`` and every parameter some kind takes (from the registry)."""
    fields: dict = {
        "kind": (str, Field(description="、".join(f"{k.name}（{k.title}）" for k in job_kinds().values())))
    }
    params = {p.field: p for k in job_kinds().values() for p in k.params}
    for name, param in params.items():
        users = "、".join(k.name for k in job_kinds().values() if param in k.params)
        shape, default = {"flag": (bool, False), "text": (str, "")}.get(param.api, (ObjectId | None, None))
        fields[name] = (shape, Field(default, description=f"{users}：{param.help}"))
    return create_model("JobIn", __base__=Schema, **fields)


JobIn = _job_in()


class JobOut(Schema):
    id: int
    kind: str
    label: str
    params: dict
    status: str = Field(description="queued / running / done / failed")
    status_label: str
    done: int
    total: int
    percent: int
    step: str
    error: str
    problems: list
    created_by: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    documents: list[DocumentOut]


def _name(user) -> str | None:
    return user.display_name if user is not None else None


def _document(d) -> DocumentOut:
    return DocumentOut(
        id=d.pk,
        kind=d.kind,
        kind_label=d.get_kind_display(),
        system=(d.system.code or d.system.name) if d.system_id else None,
        version=d.version,
        filename=d.filename,
        size=d.size,
        sha256=d.sha256,
        template=d.template_name,
        template_sha256=d.template_sha256,
        assessment_id=d.assessment_id,
        round_number=d.round_number,
        note=d.note,
        generated_by=_name(d.generated_by),
        generated_at=d.generated_at,
        signed=d.locked,
        signed_at=d.locked_at,
        signed_by=_name(d.locked_by),
        released=d.released,
    )


def _job(job) -> JobOut:
    return JobOut(
        id=job.pk,
        kind=job.kind,
        label=generation.job_label(job.kind),
        params=job.params,
        status=job.status,
        status_label=job.get_status_display(),
        done=job.done,
        total=job.total,
        percent=job.percent,
        step=job.step,
        error=job.error,
        problems=job.problems,
        created_by=_name(job.created_by),
        created_at=job.created_at,
        finished_at=job.finished_at,
        documents=[_document(d) for d in job.documents.select_related("system", "generated_by", "locked_by")],
    )


def _params(body: Schema) -> dict:
    """The parameters the kind takes (its registry entry), as the documents page sends them."""
    return kind(body.kind).job_params(body.model_dump(), strict=True)  # type: ignore[attr-defined]


@router.get(
    "/projects/{project}/documents", response=DocumentPage, summary="生成的文档：版本、哈希、模板、签发"
)
def document_list(request: HttpRequest, project: str, paging: Query[Paging]):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    count, shown = page(selectors.document_list(actor=request.user, project=obj), paging)
    return DocumentPage(count=count, items=[_document(d) for d in shown])


@router.get("/projects/{project}/documents/{document_id}/file", summary="下载文档文件")
def document_file(request: HttpRequest, project: str, document_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    document = selectors.document_get(actor=request.user, project=obj, document_id=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)


@router.get("/projects/{project}/document-jobs", response=list[JobOut], summary="最近的文档生成任务")
def job_list(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    return [_job(j) for j in selectors.job_list(actor=request.user, project=obj)[:20]]


@router.post(
    "/projects/{project}/document-jobs",
    response={202: JobOut, 400: ErrorOut},
    summary="开始生成文档（后台执行，按返回的任务查询进度）",
    openapi_extra=body_doc(JobIn),
)
def job_create(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    body = read_body(request, JobIn)
    if body.kind not in job_kinds():
        raise ValidationError(f"未知的文档类型“{body.kind}”；可选：{'、'.join(job_kinds())}")
    job = generation.job_start(actor=request.user, project=obj, kind=body.kind, params=_params(body))
    return Status(202, _job(selectors.job_get(actor=request.user, project=obj, job_id=job.pk)))


@router.get(
    "/projects/{project}/document-jobs/{job_id}", response=JobOut, summary="文档生成任务的状态、进度与文档"
)
def job_detail(request: HttpRequest, project: str, job_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    return _job(selectors.job_get(actor=request.user, project=obj, job_id=job_id))
