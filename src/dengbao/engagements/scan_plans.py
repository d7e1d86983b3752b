"""Scan plans pre-set from the engagement: the contract's service calendar drives the scanner.

The contract sells vulnerability scans four times a year and a deeper scan of the key
systems every half year (SCENARIO.md). ``scan_plans_from_engagement`` turns the next planned
occurrence of each into a recurring plan — a ``Scan`` row in status PLANNED that never runs
itself: the recurring job (``scan_services.scans_due``) creates a real scan from it at
``next_run_at``. When such a run finishes, ``occurrence_prove`` marks the contract's
occurrence of that service done, with the scan's page as the proof.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core import scanner
from dengbao.core.engagement.service_year import NAMES, ServiceKind
from dengbao.core.scanner.targets import parse_target
from dengbao.core.scanner.windows import BEIJING
from dengbao.scanning.models import Authorisation, Scan
from dengbao.scanning.plan_slots import first_slot
from dengbao.scanning.selectors import plan_list

from . import year_services
from .models import Contract
from .service_models import ServiceOccurrence

log = logging.getLogger("dengbao.scanning")

PROOF_DAYS = 15  # a run proves the occurrence due at most this many days before or after it


@dataclass(frozen=True)
class PlanSpec:
    kind: ServiceKind
    name: str
    profile: str
    repeat_days: int


SPECS: tuple[PlanSpec, ...] = (
    PlanSpec(ServiceKind.VULN_SCAN, "季度漏洞扫描", "service", 91),
    PlanSpec(ServiceKind.DEEP_SCAN, "半年度深度扫描", "full", 182),
)


def _authorisation(project: Project, now: dt.datetime) -> Authorisation:
    valid = list(
        project.authorisations.filter(
            revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
        ).order_by("-valid_until", "-pk")
    )
    if not valid:
        raise ValidationError(
            "本项目没有有效的授权书：请先登记已签署、在有效期内的授权书（写明扫描的主机和网段），再生成扫描计划"
        )
    wanted = {"vuln_scan", "discovery"}
    return next((a for a in valid if wanted <= set(a.techniques)), valid[0])


def _targets(authorisation: Authorisation) -> list[str]:
    targets = [*authorisation.hosts, *authorisation.cidrs]
    if not targets:
        raise ValidationError(f"授权书“{authorisation.title}”没有列出主机或网段，无法确定扫描计划的目标")
    size = sum(parse_target(t).size() or 1 for t in targets)  # a host name counts as one address
    if size > scanner.DEFAULT_LIMIT:
        raise ValidationError(
            f"授权书“{authorisation.title}”的范围共 {size} 个地址，超过扫描器单次上限 "
            f"{scanner.DEFAULT_LIMIT} 个（一个 /16）：请在授权书中列出需要定期扫描的主机或较小的网段"
        )
    return targets


def _ports(profile: str, authorised: str) -> str:
    """The profile's own ports (""), or the authorised ones when the letter allows fewer."""
    wanted = set(scanner.parse_ports(scanner.PROFILES[profile].ports))
    allowed = set(scanner.parse_ports(authorised or "1-65535"))
    return "" if wanted <= allowed else scanner.compact(sorted(allowed))


def scan_plans_from_engagement(
    *, actor: User, project: Project, now: dt.datetime | None = None
) -> list[Scan]:
    """The quarterly and half-yearly scan plans of the contract's service calendar (created once).

    Each starts at 09:00 Beijing time on the due date of the next planned occurrence of its
    service (or the first slot after it the authorisation's time windows allow), scans the
    hosts and networks of the project's valid authorisation and does not run now. Refused
    with the reason when there is no contract, no valid authorisation, or a scope the
    scanner cannot take in one job.
    """

    permissions.require(actor, "project.edit", project)
    now = now or timezone.now()
    contract = Contract.objects.filter(project=project).first()
    if contract is None:
        raise ValidationError("本项目尚未登记合同：扫描计划按合同的服务日历生成")
    existing = {s.service_kind: s for s in plan_list(actor=actor, project=project)}
    today = now.astimezone(BEIJING).date()
    todo = []
    for spec in SPECS:
        if spec.kind in existing:
            continue
        occurrence = (
            contract.occurrences.filter(
                kind=spec.kind, status=ServiceOccurrence.Status.PLANNED, due_on__gte=today
            )
            .order_by("due_on", "sequence")
            .first()
        )
        if occurrence is not None:
            todo.append((spec, occurrence))
    if not todo and not existing:
        raise ValidationError(
            f"合同服务日历中 {today:%Y-%m-%d} 以后没有待完成的{NAMES[ServiceKind.VULN_SCAN]}"
            f"或{NAMES[ServiceKind.DEEP_SCAN]}，无需生成扫描计划"
        )
    made = []
    if todo:
        from dengbao.scanning.scan_services import scan_check

        authorisation = _authorisation(project, now)
        targets = _targets(authorisation)
        for spec, occurrence in todo:
            first = first_slot(authorisation, occurrence.due_on)
            ports = _ports(spec.profile, authorisation.ports)
            verdict = scan_check(
                project=project,
                targets=targets,
                ports=ports,
                profile=spec.profile,
                authorisation=authorisation,
                at=first,
            )
            if not verdict.allowed:
                raise ValidationError(
                    f"无法生成“{spec.name}”（首次执行 {first:%Y-%m-%d %H:%M}）：{verdict.reason}"
                )
            made.append(
                (
                    Scan(
                        project=project,
                        authorisation=authorisation,
                        name=spec.name,
                        targets="\n".join(targets),
                        ports=ports,
                        profile=spec.profile,
                        repeat_days=spec.repeat_days,
                        next_run_at=first,
                        service_kind=spec.kind.value,
                        status=Scan.Status.PLANNED,
                        step="等待首次执行",
                        created_by=actor,
                        created_at=now,
                    ),
                    occurrence,
                )
            )
        with transaction.atomic():
            Contract.objects.select_for_update().get(pk=contract.pk)  # one caller at a time
            taken = set(plan_list(actor=actor, project=project).values_list("service_kind", flat=True))
            for plan, occurrence in made:
                if plan.service_kind in taken:
                    continue
                plan.save()
                existing[plan.service_kind] = plan
                audit.record(
                    actor=actor,
                    action="scan.plan_create",
                    obj=plan,
                    details={
                        "service": plan.service_kind,
                        "occurrence": occurrence.title,
                        "due_on": occurrence.due_on.isoformat(),
                        "first_run": plan.next_run_at.isoformat(),
                        "repeat_days": plan.repeat_days,
                        "profile": plan.profile,
                        "targets": plan.targets.split(),
                        "authorisation": plan.authorisation_id,
                    },
                    project=project,
                )
    return [existing[spec.kind] for spec in SPECS if spec.kind in existing]


def on_plan_run_done(sender, *, scan: Scan, **kwargs) -> None:
    occurrence_prove(scan=scan)  # the contract's service occurrence this run performed


def occurrence_prove(*, scan: Scan):
    """A plan's run finished: mark the contract's planned occurrence of its service nearest to the
    run (within PROOF_DAYS) done, with the scan's page as proof. Only a DONE run proves anything."""
    scan = Scan.objects.select_related("project", "plan", "created_by").get(pk=scan.pk)
    if scan.status != Scan.Status.DONE or scan.plan is None or not scan.plan.service_kind:
        return None
    contract = Contract.objects.filter(project=scan.project).first()
    if contract is None:
        return None
    day = (scan.finished_at or timezone.now()).astimezone(BEIJING).date()
    window = dt.timedelta(days=PROOF_DAYS)
    proof = reverse("scanning:scan", kwargs={"project": scan.project.slug, "scan_id": scan.pk})
    with transaction.atomic():
        candidates = ServiceOccurrence.objects.select_for_update().filter(
            contract=contract,
            kind=scan.plan.service_kind,
            status=ServiceOccurrence.Status.PLANNED,
            due_on__range=(day - window, day + window),
        )
        nearest = min(candidates, key=lambda o: (abs((o.due_on - day).days), o.due_on), default=None)
        if nearest is None:
            return None
        try:
            return year_services.occurrence_complete(
                actor=scan.created_by, occurrence=nearest, done_on=day, proof=proof
            )
        except (PermissionDenied, ValidationError) as exc:
            log.warning("scan %s cannot prove occurrence %s: %s", scan.pk, nearest.pk, exc)
            return None
