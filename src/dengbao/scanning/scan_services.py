"""Scan jobs: checked against the project's authorisation before the first packet, then run.

``scan_create`` picks the authorisation that allows the request (or the one named) and
refuses — with every reason, audited — when none does. ``scan_execute`` runs the pure
engine of ``dengbao.core.scanner`` in a worker thread with its own event loop, while the
calling thread writes progress to the row and passes on a cancel request; the results go
into the inventory and the findings through the same path as an imported report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dengbao import recovery, tasks
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core import scanner

from . import import_services, signals
from .authorisation_services import split_lines
from .models import Authorisation, Scan
from .plan_slots import next_run

log = logging.getLogger("dengbao.scanning")
POLL_SECONDS = 0.5


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def scope_of(authorisation: Authorisation) -> scanner.Scope:
    """The authorisation as the scanner's Scope (the one place that translates it).

    A host written as an IP address is that one address (the scanner lists only names as hosts).
    """
    addresses = [h for h in authorisation.hosts if _is_address(h)]
    return scanner.Scope.build(
        cidrs=[*authorisation.cidrs, *addresses],
        hosts=[h for h in authorisation.hosts if h not in addresses],
        urls=authorisation.urls,
        ports=authorisation.ports or None,
        techniques=authorisation.techniques,
        windows=[scanner.TimeWindow.of(w["days"], w["start"], w["end"]) for w in authorisation.windows],
        valid_from=authorisation.valid_from,
        valid_until=authorisation.valid_until,
        revoked=authorisation.revoked_at is not None,
    )


@dataclass(frozen=True)
class Verdict:
    authorisation: Authorisation | None
    refusals: list[scanner.Refusal]

    @property
    def allowed(self) -> bool:
        return self.authorisation is not None and not self.refusals

    @property
    def reason(self) -> str:
        return "；".join(r.reason for r in self.refusals)


def _request_ports(profile: str, ports: str) -> tuple[int, ...]:
    spec = ports.strip() or scanner.PROFILES[profile].ports
    return tuple(scanner.parse_ports(spec))


def scan_check(
    *,
    project: Project,
    targets: list[str],
    ports: str,
    profile: str,
    authorisation: Authorisation | None = None,
    at: dt.datetime | None = None,
    lookup: Callable[[str], Sequence[str]] | None = None,
) -> Verdict:
    """Which authorisation allows this request, or the reasons the closest one refuses it.

    Host names are matched against each authorisation's names before any DNS query; only a name an
    authorisation lists is resolved (with ``lookup``, the system resolver by default), and then its
    addresses are checked too.
    """
    if profile not in scanner.PROFILES:
        raise ValidationError(f"未知的扫描类型“{profile}”")
    try:
        port_list = _request_ports(profile, ports)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return scope_check(
        project=project,
        targets=targets,
        ports=port_list,
        technique=scanner.PROFILES[profile].technique,
        authorisation=authorisation,
        at=at,
        lookup=lookup,
    )


def scope_check(
    *,
    project: Project,
    targets: list[str],
    ports: Sequence[int],
    technique: scanner.Technique | str,
    authorisation: Authorisation | None = None,
    at: dt.datetime | None = None,
    lookup: Callable[[str], Sequence[str]] | None = None,
) -> Verdict:
    """``scan_check`` for any technique and port list: the one scope check for touching a target."""
    at = at or timezone.now()
    candidates = (
        [authorisation] if authorisation else list(project.authorisations.order_by("-valid_until", "-pk"))
    )
    if not candidates:
        return Verdict(
            None, [scanner.Refusal("authorisation", "本项目没有授权书：扫描前须登记已签署的授权书")]
        )
    checked: list[tuple[Authorisation, list[scanner.Refusal]]] = []
    for candidate in candidates:
        refusals = scanner.check(
            scope_of(candidate),
            targets=targets,
            ports=list(ports),
            technique=technique,
            at=at,
            lookup=lookup,
        )
        if not refusals:
            return Verdict(candidate, [])
        checked.append((candidate, refusals))
    if authorisation:
        return Verdict(authorisation, checked[0][1])
    return Verdict(None, _closest(checked))


def target_authorise(
    *,
    actor: User,
    project: Project,
    target: str,
    port: int,
    technique: scanner.Technique | str,
    action: str,
    lookup: Callable[[str], Sequence[str]] | None = None,
) -> Verdict:
    """Check one target for an activity other than a scan (e.g. live collection); audit a refusal.

    Call it before any packet goes to the target; ``action`` names the refused activity in the log.
    """
    permissions.require(actor, "project.record", project)
    verdict = scope_check(project=project, targets=[target], ports=[port], technique=technique, lookup=lookup)
    if not verdict.allowed:
        audit.record(
            actor=actor,
            action=action,
            obj=verdict.authorisation,
            outcome="refused",
            details={
                "target": target,
                "port": port,
                "technique": str(technique),
                "refusals": [r.to_dict() for r in verdict.refusals],
            },
            project=project,
        )
    return verdict


# Refusal codes that say the letter does not name the target at all (see core.scanner.scope.Refusal).
TARGET_CODES = frozenset({"target", "excluded", "unresolved"})


def _closest(checked: list[tuple[Authorisation, list[scanner.Refusal]]]) -> list[scanner.Refusal]:
    """The reasons to give when no authorisation allows the request.

    Those of the authorisation that would otherwise cover the target (revoked, expired,
    outside its window, another port …), fewest first; when none names the target, only
    that the target is not in scope — not a revoked or expired letter's status, which would
    send the user chasing the wrong document.
    """
    covering = [r for _a, r in checked if not any(x.code in TARGET_CODES for x in r)]
    if covering:
        return min(covering, key=len)
    fewest = min((r for _a, r in checked), key=lambda r: sum(x.code in TARGET_CODES for x in r))
    return [x for x in fewest if x.code in TARGET_CODES]


def scan_create(
    *,
    actor: User,
    project: Project,
    targets: str | list[str],
    ports: str = "",
    profile: str = "quick",
    engine: str = "auto",
    rate_limit: int = 1000,
    authorisation: Authorisation | None = None,
    repeat_days: int | None = None,
    system=None,
    name: str = "",
    start: bool = True,
    zone: str = "",
    plan: Scan | None = None,
    lookup: Callable[[str], Sequence[str]] | None = None,
) -> Scan:
    """Create a scan job and start it — or record it as refused, with the reasons, when out of scope.

    ``lookup`` resolves the host names the authorisation lists (default: the system resolver).
    """
    permissions.require(actor, "project.record", project)
    target_list = (
        split_lines(targets) if isinstance(targets, str) else [t.strip() for t in targets if t.strip()]
    )
    if not target_list:
        raise ValidationError("请填写扫描目标")
    if engine not in Scan.Engine.values:
        raise ValidationError(f"未知的扫描引擎“{engine}”")
    if authorisation is not None and authorisation.project_id != project.pk:
        raise ValidationError("所选授权书不属于本项目")
    if not (0 <= rate_limit <= 100000):
        raise ValidationError("速率上限须在 0（不限）到 100000 之间")
    if repeat_days is not None and not (1 <= repeat_days <= 366):
        raise ValidationError("重复间隔须在 1 到 366 天之间")
    if system is not None and not project.systems.filter(pk=system.pk).exists():
        raise ValidationError("所选定级对象不属于本项目")
    zone = zone.strip()
    if zone and not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", zone):
        raise ValidationError("网络区域名称只能含小写字母、数字、- 和 _（例如 intranet）")
    verdict = scan_check(
        project=project,
        targets=target_list,
        ports=ports,
        profile=profile,
        authorisation=authorisation,
        lookup=lookup,
    )
    now = timezone.now()
    scan = Scan(
        project=project,
        authorisation=verdict.authorisation,
        system=system,
        name=name.strip()[:200],
        targets="\n".join(target_list),
        ports=ports.strip()[:500],
        profile=profile,
        engine=engine,
        rate_limit=rate_limit,
        repeat_days=repeat_days,
        zone=zone,
        plan=plan,
        created_by=actor,
        created_at=now,
    )
    if not verdict.allowed:
        scan.status, scan.refused_reason, scan.finished_at = Scan.Status.REFUSED, verdict.reason, now
        scan.save()
        audit.record(
            actor=actor,
            action="scan.refused",
            obj=scan,
            outcome="refused",
            details={
                "targets": target_list,
                "profile": profile,
                "refusals": [r.to_dict() for r in verdict.refusals],
            },
            project=project,
        )
        return scan
    with transaction.atomic():
        if repeat_days:
            scan.next_run_at = now + dt.timedelta(days=repeat_days)
        scan.save()
        audit.record(
            actor=actor,
            action="scan.create",
            obj=scan,
            details={
                "targets": target_list,
                "profile": profile,
                "engine": engine,
                "authorisation": scan.authorisation_id,
            },
            project=project,
        )
    if start:
        _start(scan)
    return scan


def scan_retry(*, actor: User, scan: Scan) -> Scan:
    """A fresh scan with the same parameters as a failed one, checked against the authorisation again."""
    permissions.require(actor, "project.edit", scan.project)
    if scan.status != Scan.Status.FAILED:
        raise ValidationError("只有失败的扫描可以重试")
    with transaction.atomic():
        fresh = scan_create(
            actor=actor,
            project=scan.project,
            targets=scan.targets.split(),
            ports=scan.ports,
            profile=scan.profile,
            engine=scan.engine,
            rate_limit=scan.rate_limit,
            authorisation=scan.authorisation,
            system=scan.system,
            name=scan.name,
            zone=scan.zone,
            plan=scan.plan,
        )
        audit.record(actor=actor, action="scan.retry", obj=fresh, project=scan.project,
                     details={"retry_of": scan.pk, "interrupted": scan.interrupted})  # fmt: skip
    return fresh


def _start(scan: Scan) -> None:
    """In this server, or on the worker of the scan's network zone (tasks.dispatch decides)."""
    if not (scan.zone and settings.DENGBAO_CELERY_BROKER):  # queued in this process's pool
        Scan.objects.filter(pk=scan.pk).update(**recovery.owner_fields())
    if settings.DENGBAO_TASKS_INLINE and not scan.zone:
        tasks.dispatch(scan_execute, scan.pk)
    else:
        transaction.on_commit(lambda: tasks.dispatch(scan_execute, scan.pk, zone=scan.zone))


def scan_cancel(*, actor: User, scan: Scan) -> Scan:
    permissions.require(actor, "project.record", scan.project)
    if scan.is_plan:  # stopping a plan of the contract's service calendar: no further runs
        permissions.require(actor, "project.edit", scan.project)
        with transaction.atomic():
            Scan.objects.filter(pk=scan.pk).update(
                status=Scan.Status.CANCELLED, next_run_at=None, step="计划已停止", finished_at=timezone.now()
            )
            audit.record(actor=actor, action="scan.plan_cancel", obj=scan, project=scan.project)
        scan.refresh_from_db()
        return scan
    if not scan.active:
        raise ValidationError("该扫描已结束")
    with transaction.atomic():
        Scan.objects.filter(pk=scan.pk).update(cancel_requested=True)
        if scan.status == Scan.Status.QUEUED:
            Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.CANCELLED, finished_at=timezone.now())
        audit.record(actor=actor, action="scan.cancel", obj=scan, project=scan.project)
    scan.refresh_from_db()
    return scan


class _Progress:
    def __init__(self) -> None:
        self.done = 0
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total


def scan_execute(scan_id: int):
    """Run a queued scan to its end: DONE with results, REFUSED, FAILED or CANCELLED. Returns the result."""
    scan = Scan.objects.select_related("project", "authorisation", "created_by", "system").get(pk=scan_id)
    if scan.status != Scan.Status.QUEUED or scan.cancel_requested:
        return None
    Scan.objects.filter(pk=scan.pk).update(
        status=Scan.Status.RUNNING, started_at=timezone.now(), step="开始", **recovery.owner_fields()
    )
    request = scanner.ScanRequest(
        targets=tuple(scan.targets.split()),
        ports=scan.ports or None,
        profile=scan.profile,
        rate=float(scan.rate_limit) if scan.rate_limit else None,
    )
    progress, cancel = _Progress(), threading.Event()
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["result"] = asyncio.run(
                scanner.run(
                    request,
                    scope_of(scan.authorisation),
                    engine=scan.engine,
                    progress=progress,
                    cancel=cancel,
                )
            )
        except BaseException as exc:  # handed back to the calling thread
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"dengbao-scan-{scan.pk}", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(POLL_SECONDS)
        Scan.objects.filter(pk=scan.pk).update(done=progress.done, total=progress.total, step="扫描中")
        if Scan.objects.filter(pk=scan.pk, cancel_requested=True).exists():
            cancel.set()
    error = box.get("error")
    if isinstance(error, scanner.ScopeRefused):
        return _refused(scan, error)
    if error is not None:
        log.error("scan %s failed: %s", scan.pk, error)
        _finish(scan, Scan.Status.FAILED, error=str(error) or error.__class__.__name__)
        return None
    result = box["result"]
    summary = result.to_dict()
    summary.pop("findings", None)
    import_services.scan_results_store(actor=scan.created_by, scan=scan, result=result)
    status = Scan.Status.CANCELLED if result.cancelled else Scan.Status.DONE
    _finish(
        scan,
        status,
        engine_used=result.engine,
        result={**summary, "findings": len(result.findings)},
        done=progress.total or result.total,
        total=progress.total or result.total,
    )
    audit.record(
        actor=scan.created_by,
        action="scan.finish",
        obj=scan,
        details={"engine": result.engine, "open": len(result.open), "stopped": result.stopped},
        project=scan.project,
    )
    if status == Scan.Status.DONE and scan.plan_id:
        signals.plan_run_done.send(sender=Scan, scan=scan)
    return result


def _refused(scan: Scan, exc: scanner.ScopeRefused) -> None:
    _finish(scan, Scan.Status.REFUSED, refused_reason=str(exc))
    audit.record(
        actor=scan.created_by,
        action="scan.refused",
        obj=scan,
        outcome="refused",
        details={"refusals": [r.to_dict() for r in exc.refusals], "at": "start"},
        project=scan.project,
    )
    return None


def _finish(scan: Scan, status: str, **fields) -> None:
    step = {"done": "完成", "failed": "失败", "refused": "已拒绝", "cancelled": "已取消"}.get(status, "")
    Scan.objects.filter(pk=scan.pk).update(status=status, step=step, finished_at=timezone.now(), **fields)


def scans_due(now: dt.datetime | None = None) -> int:
    """Start a new run of every recurring scan whose next run is due (the scheduler calls this).

    A plan (status PLANNED) never runs itself: each run is a new scan pointing back to it, and
    its next run keeps its slot (``plan_slots.next_run``).
    """
    now = now or timezone.now()
    started = 0
    for scan in Scan.objects.filter(repeat_days__isnull=False, next_run_at__lte=now).select_related(
        "project", "created_by", "authorisation", "system"
    ):
        following = next_run(scan, now) if scan.is_plan else now + dt.timedelta(days=scan.repeat_days)
        if not Scan.objects.filter(pk=scan.pk, next_run_at=scan.next_run_at).update(next_run_at=following):
            continue  # another scheduler took this run
        if scan.created_by is None or not permissions.can(scan.created_by, "project.record", scan.project):
            continue
        scan_create(
            actor=scan.created_by,
            project=scan.project,
            targets=scan.targets.split(),
            ports=scan.ports,
            profile=scan.profile,
            engine=scan.engine,
            rate_limit=scan.rate_limit,
            system=scan.system,
            name=scan.name,
            zone=scan.zone,
            plan=scan if scan.is_plan else None,
        )
        started += 1
    return started
