"""Scanning over REST: findings and their lifecycle, scan report imports, scans, authorisations."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from dengbao import parse, uploads
from dengbao.accounts import selectors as account_selectors
from dengbao.api_support import ErrorOut, Paging, body_doc, error_response, page, read_body, user_errors
from dengbao.core.importers import ImportFormatError
from dengbao.systems import selectors as system_selectors

from . import finding_services, import_services, selectors
from .api_schemas import (
    AuthorisationOut,
    EventOut,
    FindingDetailOut,
    FindingFilter,
    FindingOut,
    FindingPage,
    ImportErrorOut,
    ImportForm,
    ImportOut,
    ImportPage,
    InstanceOut,
    ScanDetailOut,
    ScanOut,
    ScanPage,
    StateOut,
    TransitionIn,
    TransitionsOut,
)
from .finding_models import State

router = Router(tags=["scanning"])
router.add_decorator(user_errors)


def _name(user) -> str | None:
    return user.display_name if user is not None else None


def _finding(f, today: dt.date) -> dict:
    return {
        "id": f.pk,
        "title": f.title,
        "severity": f.severity,
        "state": f.state,
        "state_label": str(State(f.state).label),
        "tool": f.tool,
        "rule_id": f.rule_id,
        "host": f.host,
        "hostname": f.hostname,
        "port": f.port,
        "protocol": f.protocol,
        "url": f.url,
        "place": f.place,
        "cve": f.cve.split(),
        "cvss_score": f.cvss_score,
        "system": (f.system.code or f.system.name) if f.system_id else None,
        "owner": _name(f.owner),
        "first_seen": f.first_seen,
        "last_seen": f.last_seen,
        "sla_due": f.sla_due,
        "sla_status": f.sla_status(today),
    }


def _detail(request: HttpRequest, finding) -> FindingDetailOut:
    events = selectors.finding_events(actor=request.user, finding=finding)
    return FindingDetailOut(
        **_finding(finding, timezone.localdate()),
        description=finding.description,
        evidence=finding.evidence,
        steps=finding.steps,
        solution=finding.solution,
        references=finding.references,
        cwe=finding.cwe,
        cvss_vector=finding.cvss_vector,
        exploitable=finding.exploitable,
        risk_accepted_until=finding.risk_accepted_until,
        risk_accepted_by=_name(finding.risk_accepted_by),
        instances=[
            InstanceOut(place=i.place, parameter=i.parameter, evidence=i.evidence)
            for i in selectors.finding_instances(actor=request.user, finding=finding)
        ],
        history=[
            EventOut(
                kind=e.kind,
                from_state=e.from_state,
                to_state=e.to_state,
                text=e.text,
                actor=_name(e.actor),
                import_id=e.source_import_id,
                at=e.at,
            )
            for e in events
        ],
    )


def _import(imp) -> ImportOut:
    return ImportOut(
        id=imp.pk,
        fmt=imp.fmt,
        filename=imp.filename,
        size=imp.size,
        sha256=imp.sha256,
        system_id=imp.system_id,
        pentest_id=imp.pentest_id,
        findings=imp.findings,
        created=imp.created,
        updated=imp.updated,
        closed=imp.closed,
        reopened=imp.reopened,
        duplicates=imp.duplicates,
        suppressed=imp.suppressed,
        services=imp.services,
        hosts=imp.hosts,
        complete=imp.complete,
        coverage=imp.coverage or {},
        summary=imp.summary(),
        created_by=_name(imp.created_by),
        created_at=imp.created_at,
    )


def _scan(scan) -> dict:
    return {
        "id": scan.pk,
        "name": str(scan),
        "targets": scan.targets,
        "ports": scan.ports,
        "profile": scan.profile,
        "engine": scan.engine,
        "engine_used": scan.engine_used,
        "zone": scan.zone,
        "status": scan.status,
        "status_label": scan.get_status_display(),
        "done": scan.done,
        "total": scan.total,
        "percent": scan.percent,
        "step": scan.step,
        "authorisation_id": scan.authorisation_id,
        "refused_reason": scan.refused_reason,
        "error": scan.error,
        "next_run_at": scan.next_run_at,
        "started_at": scan.started_at,
        "finished_at": scan.finished_at,
        "created_at": scan.created_at,
    }


@router.get("/projects/{project}/findings", response=FindingPage, summary="漏洞发现（可筛选），分页")
def finding_list(request: HttpRequest, project: str, filters: Query[FindingFilter]):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    wanted = selectors.FindingFilter(
        severity=filters.severity,
        state=filters.state,
        host=filters.host.strip()[:200],
        tool=filters.tool,
        system=filters.system,
        q=filters.q.strip()[:200],
        cve=filters.cve.strip()[:32],
    )
    rows = selectors.finding_list(actor=request.user, project=obj, filters=wanted)
    count, shown = page(rows, filters)
    today = timezone.localdate()
    return FindingPage(count=count, items=[FindingOut(**_finding(f, today)) for f in shown])


@router.get(
    "/projects/{project}/findings/{finding_id}", response=FindingDetailOut, summary="一个漏洞发现及其处理记录"
)
def finding_detail(request: HttpRequest, project: str, finding_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    finding = selectors.finding_get(actor=request.user, project=obj, finding_id=finding_id)
    return _detail(request, finding)


@router.get(
    "/projects/{project}/findings/{finding_id}/transitions",
    response=TransitionsOut,
    summary="当前用户可以把该发现转到的状态",
)
def finding_transitions(request: HttpRequest, project: str, finding_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    finding = selectors.finding_get(actor=request.user, project=obj, finding_id=finding_id)
    allowed = [
        StateOut(to=to, label=str(State(to).label))
        for to in State.values
        if to in finding_services.ALLOWED[finding.state]
        and finding_services.can_move(request.user, finding, to)
    ]
    return TransitionsOut(state=finding.state, allowed=allowed)


@router.post(
    "/projects/{project}/findings/{finding_id}/transitions",
    response={200: FindingDetailOut, 400: ErrorOut},
    summary="变更发现的状态（确认、误报、接受风险、已修复待验证、验证修复、重新打开）",
    openapi_extra=body_doc(TransitionIn),
)
def finding_transition(request: HttpRequest, project: str, finding_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    finding = selectors.finding_get(actor=request.user, project=obj, finding_id=finding_id)
    body = read_body(request, TransitionIn)
    approver = None
    if body.approver_id is not None:
        member = (
            account_selectors.project_members(actor=request.user, project=obj)
            .filter(user_id=body.approver_id)
            .first()
        )
        if member is None:
            raise ValidationError("审批人不是本项目成员")
        approver = member.user
    finding = finding_services.finding_transition(
        actor=request.user, finding=finding, to=body.to, note=body.note, until=body.until, approver=approver
    )
    return _detail(request, selectors.finding_get(actor=request.user, project=obj, finding_id=finding.pk))


@router.get("/projects/{project}/scan-imports", response=ImportPage, summary="扫描报告导入记录，分页")
def import_list(request: HttpRequest, project: str, paging: Query[Paging]):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    count, shown = page(selectors.import_list(actor=request.user, project=obj), paging)
    return ImportPage(count=count, items=[_import(i) for i in shown])


@router.post(
    "/projects/{project}/scan-imports",
    response={201: ImportOut, 400: ImportErrorOut, 413: ErrorOut},
    summary="导入扫描报告（multipart：file、format、system_id、pentest_id），全部成功或不留痕迹",
    openapi_extra=body_doc(ImportForm, "multipart/form-data"),
)
def import_create(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.record")
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError("请在 file 字段上传扫描报告文件")
    system = pentest = None
    if request.POST.get("system_id", "").strip():
        system = system_selectors.system_get(
            actor=request.user, project=obj, system_id=_id(request.POST["system_id"], "system_id")
        )
    if request.POST.get("pentest_id", "").strip():
        pentest = selectors.pentest_get(
            actor=request.user, project=obj, pentest_id=_id(request.POST["pentest_id"], "pentest_id")
        )
    path, hashed = uploads.spool(upload)
    try:
        imp = import_services.import_scan(
            actor=request.user,
            project=obj,
            fmt=request.POST.get("format", "auto"),
            path=path,
            system=system,
            pentest=pentest,
            filename=hashed.name,
            sha256=hashed.sha256,
            covers=request.POST.get("covers", "")[:100_000],
        )
    except ImportFormatError as exc:
        return error_response(400, str(exc), where=exc.where, line=exc.line)
    finally:
        path.unlink(missing_ok=True)
    return Status(201, _import(imp))


@router.get("/projects/{project}/scans", response=ScanPage, summary="扫描任务及计划，分页")
def scan_list(request: HttpRequest, project: str, paging: Query[Paging]):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    count, shown = page(selectors.scan_list(actor=request.user, project=obj), paging)
    return ScanPage(count=count, items=[ScanOut(**_scan(s)) for s in shown])


@router.get("/projects/{project}/scans/{scan_id}", response=ScanDetailOut, summary="一个扫描任务的状态与进度")
def scan_detail(request: HttpRequest, project: str, scan_id: int):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    scan = selectors.scan_get(actor=request.user, project=obj, scan_id=scan_id)
    return ScanDetailOut(**_scan(scan), result=scan.result or {})


@router.get(
    "/projects/{project}/authorisations", response=list[AuthorisationOut], summary="扫描授权书（只读）"
)
def authorisation_list(request: HttpRequest, project: str):
    obj = account_selectors.project_get(actor=request.user, slug=project)
    now = timezone.now()
    return [
        AuthorisationOut(
            id=a.pk,
            title=a.title,
            signer=a.signer,
            signed_on=a.signed_on,
            cidrs=a.cidrs,
            hosts=a.hosts,
            urls=a.urls,
            ports=a.ports,
            techniques=a.techniques,
            windows=a.windows,
            valid_from=a.valid_from,
            valid_until=a.valid_until,
            status=a.status(now),
            revoked_at=a.revoked_at,
            revoke_reason=a.revoke_reason,
        )
        for a in selectors.authorisation_list(actor=request.user, project=obj)
    ]


def _id(value: str, field: str) -> int:
    """A form field holding an ID: refused, naming the field, unless it is digits."""
    number = parse.integer(value, f"字段“{field}”")
    if number is None:
        raise ValidationError(f"请填写字段“{field}”")
    return number
