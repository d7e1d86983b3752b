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
from django.core.exceptions import PermissionDenied
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
from dengbao.systems.documents import DocumentNotReady

from .models import DocumentJob

log = logging.getLogger("dengbao.reports")

JOB_LABELS = {
    "bundle": "项目全部交付文档（zip）",
    "assessment_report": "等级测评报告",
    "gap_list_docx": "差距分析问题列表（Word）",
    "remediation_plan": "安全整改方案",
    "retest_report": "复测对比报告",
    "scan_report": "漏洞扫描报告",
    "inspection_record": "安全巡检及加固记录",
    "ticket_record": "应急响应记录",
    "monitoring_report": "网站监测月报",
    "protection_plan": "保护工作方案",  # one system of level 3+ (system_id)
}
ASSESSMENT_JOBS = ("gap_list_docx", "remediation_plan", "retest_report")


def job_start(*, actor: User, project: Project, kind: str, params: dict | None = None) -> DocumentJob:
    permissions.require(actor, "project.view_internal", project)
    if kind not in JOB_LABELS:
        raise ValueError(f"unknown document job {kind!r}")
    params = dict(params or {})
    if (
        kind in ("assessment_report", "protection_plan")
        and not project.systems.filter(pk=params.get("system_id")).exists()
    ):
        raise ValueError("请选择本项目的定级对象")
    if kind == "protection_plan":  # refused at once below level 3, not as a failed job
        from .protection_plan import check_required

        check_required(project.systems.get(pk=params["system_id"]))
    if kind in ASSESSMENT_JOBS and not project.assessments.filter(pk=params.get("assessment_id")).exists():
        raise ValueError("请选择本项目的等级测评")
    if kind == "scan_report" and not project.scan_imports.filter(pk=params.get("import_id")).exists():
        raise ValueError("请选择本项目的一次扫描结果导入")
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
        raise ValueError("只有失败的任务可以重试")
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
        made = _RUNNERS[job.kind](job, _progress(job))
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
        job.documents.set(made)
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
        subject=f"{JOB_LABELS.get(job.kind, job.kind)}：{message}",
        link=reverse("reports:job", kwargs={"project": job.project.slug, "job_id": job.pk}),
        project=job.project,
    )


def _bundle(job: DocumentJob, progress) -> list:
    from . import services
    from .bundle import make_bundle
    from .models import DocumentKind

    bundle = make_bundle(actor=job.created_by, project=job.project, progress=progress)
    DocumentJob.objects.filter(pk=job.pk).update(problems=bundle.missing)
    archive = services.document_store(
        actor=job.created_by,
        project=job.project,
        kind=DocumentKind.BUNDLE,
        filename=f"{job.project.slug}-交付文档.zip",
        content=bundle.content,
        data={"files": bundle.files, "missing": bundle.missing},
    )
    return [archive, *bundle.documents]


def _assessment_report(job: DocumentJob, progress) -> list:
    from .assessment_documents import make_assessment_report

    system = job.project.systems.get(pk=job.params["system_id"])
    progress(0, 2, f"{system.name}：读取测评记录并生成报告")
    made = make_assessment_report(
        actor=job.created_by,
        project=job.project,
        system=system,
        pdf=bool(job.params.get("pdf")),
    )
    progress(2, 2, "完成")
    return [made.document]


def _plan_document(job: DocumentJob, progress) -> list:
    from . import plan_documents

    maker = {
        "gap_list_docx": plan_documents.make_gap_list_docx,
        "remediation_plan": plan_documents.make_remediation_plan,
        "retest_report": plan_documents.make_retest_report,
    }[job.kind]
    assessment = job.project.assessments.get(pk=job.params["assessment_id"])
    progress(0, 1, f"{assessment.name}：{JOB_LABELS[job.kind]}")
    made = maker(actor=job.created_by, project=job.project, assessment=assessment)
    progress(1, 1, "完成")
    return [made.document]


def _scan_report(job: DocumentJob, progress) -> list:
    from .scan_documents import make_scan_report

    progress(0, 1, "读取扫描结果并生成报告")
    made = make_scan_report(actor=job.created_by, project=job.project, import_id=job.params["import_id"])
    progress(1, 1, "完成")
    return [made.document]


def _service_record(job: DocumentJob, progress) -> list:
    from . import service_documents

    progress(0, 1, JOB_LABELS[job.kind])
    if job.kind == "monitoring_report":
        made = service_documents.make_monitoring_report(
            actor=job.created_by,
            project=job.project,
            year=int(job.params.get("year") or 0),
            month=int(job.params.get("month") or 0),
        )
    elif job.kind == "inspection_record":
        made = service_documents.make_inspection_record(
            actor=job.created_by, project=job.project, visit_id=int(job.params.get("visit_id") or 0)
        )
    else:
        made = service_documents.make_ticket_record(
            actor=job.created_by, project=job.project, ticket_id=int(job.params.get("ticket_id") or 0)
        )
    progress(1, 1, "完成")
    return [made.document]


def _protection_plan(job: DocumentJob, progress) -> list:
    from .protection_plan import make_protection_plan

    system = job.project.systems.get(pk=job.params["system_id"])
    progress(0, 1, f"{system.name}：{JOB_LABELS[job.kind]}")
    made = make_protection_plan(actor=job.created_by, project=job.project, system=system)
    progress(1, 1, "完成")
    return [made.document]


_RUNNERS = {
    "bundle": _bundle,
    "assessment_report": _assessment_report,
    **dict.fromkeys(ASSESSMENT_JOBS, _plan_document),
    "scan_report": _scan_report,
    "inspection_record": _service_record,
    "ticket_record": _service_record,
    "monitoring_report": _service_record,
    "protection_plan": _protection_plan,
}
