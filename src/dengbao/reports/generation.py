"""Document generation in the background, with progress a page can poll.

``job_start`` records what to make and hands the work to the one dispatcher (tasks.py);
``job_run`` makes it, updating ``done / total / step`` as it goes. A failure is stored
with the message that names the template field or the data item at fault — never a
traceback — and the user sees it on the job's page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from dengbao import recovery, tasks
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.documents.builder import ConversionError, DocumentError
from dengbao.inbox import services as inbox
from dengbao.inbox.models import Notice

from .documents import DocumentNotReady, Made, document_make, job_kinds, kind
from .models import DocumentJob

log = logging.getLogger("dengbao.reports")


def job_start(*, actor: User, project: Project, kind: str, params: dict | None = None) -> DocumentJob:
    permissions.require(actor, "project.view_internal", project)
    if kind not in job_kinds():
        raise ValidationError(f"unknown document job {kind!r}")
    params = dict(params or {})
    try:
        job_kinds()[kind].check(project, params)
    except ValueError as exc:  # a parameter the kind refuses, with the reason
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        job = DocumentJob.objects.create(  # queued in this process's pool: its owner from now on
            project=project, kind=kind, params=params, created_by=actor, **recovery.owner_fields()
        )
        audit.record(actor=actor, action="document.job_start", obj=job, details={"kind": kind, **params},
                     project=project)  # fmt: skip
    if settings.DENGBAO_TASKS_INLINE:
        tasks.dispatch(job_run, job.pk)  # in this thread and transaction
    else:
        transaction.on_commit(lambda: tasks.dispatch(job_run, job.pk))  # the worker must see the row
    job.refresh_from_db()
    return job


def job_retry(*, actor: User, job: DocumentJob) -> DocumentJob:
    """A fresh job with the same parameters as a failed one (e.g. one interrupted by a restart)."""
    permissions.require(actor, "project.edit", job.project)
    if job.status != DocumentJob.Status.FAILED:
        raise ValidationError("只有失败的任务可以重试")
    with transaction.atomic():
        fresh = job_start(actor=actor, project=job.project, kind=job.kind, params=job.params)
        audit.record(actor=actor, action="document.job_retry", obj=fresh, project=job.project,
                     details={"retry_of": job.pk, "interrupted": job.interrupted})  # fmt: skip
    return fresh


@translation.override("zh-hans")  # documents print the official Chinese terms, whatever the UI language
def job_run(job_id: int) -> None:
    """Make what the job asks for; every outcome ends in DONE or FAILED with its message."""
    job = DocumentJob.objects.select_related("project", "created_by").get(pk=job_id)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=DocumentJob.Status.RUNNING, step="开始", **recovery.owner_fields()
    )
    try:
        made = _run(job)
    except DocumentNotReady as exc:
        _fail(job, "生成前请补充：" + "；".join(exc.missing))
    except Http404:
        _fail(job, "要生成记录的对象不存在或不属于本项目")
    except (DocumentError, ConversionError, ValueError, PermissionDenied) as exc:
        _fail(job, str(exc) or exc.__class__.__name__)
    except Exception as exc:  # a bug: logged in full, the user gets the gist
        log.exception("document job %s failed", job.pk)
        _fail(job, f"生成失败（{exc.__class__.__name__}）：{exc}")
    else:
        job.documents.set([made.document, *made.parts])
        DocumentJob.objects.filter(pk=job.pk).update(
            status=DocumentJob.Status.DONE, step="完成", finished_at=timezone.now()
        )


def _progress(job: DocumentJob) -> Callable[[int, int, str], None]:
    def report(done: int, total: int, step: str) -> None:
        DocumentJob.objects.filter(pk=job.pk).update(done=done, total=total, step=step[:200])

    return report


def _fail(job: DocumentJob, message: str) -> None:
    DocumentJob.objects.filter(pk=job.pk).update(
        status=DocumentJob.Status.FAILED, error=message, finished_at=timezone.now()
    )
    inbox.notify(
        [job.created_by],
        kind=Notice.Kind.JOB_FAILED,
        subject=f"{job_label(job.kind)}：{message}",
        link=reverse("reports:job", kwargs={"project": job.project.slug, "job_id": job.pk}),
        project=job.project,
    )


def _run(job: DocumentJob) -> Made:
    """The kind's document, made from the job's params, with its progress bracket."""
    spec = kind(job.kind)
    progress = _progress(job)
    args = spec.args(job.project, job.params)
    if spec.progress:  # it reports each step itself (the bundle: each document)
        return _with_problems(job, document_make(actor=job.created_by, project=job.project, kind=spec,
                                                 progress=progress, **args))  # fmt: skip
    progress(0, spec.steps, spec.title)
    made = document_make(actor=job.created_by, project=job.project, kind=spec, **args)
    progress(spec.steps, spec.steps, "完成")
    return _with_problems(job, made)


def _with_problems(job: DocumentJob, made: Made) -> Made:
    if made.problems:
        DocumentJob.objects.filter(pk=job.pk).update(problems=made.problems)
    return made


def job_label(name: str) -> str:
    """What a job of kind ``name`` is called (its name itself when the kind is gone)."""
    return job_kinds()[name].title if name in job_kinds() else name
