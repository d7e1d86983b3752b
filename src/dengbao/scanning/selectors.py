"""Reads of the scanning app, each through the one permission layer.

Everyone in the project sees its authorisations, findings, scans and inventory (the
client has to fix what was found); writes are checked in the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core.importers.fields import cves
from dengbao.terms import term

from . import sla
from .finding_models import (
    ACTIVE_STATES,
    SEVERITY_ORDER,
    Finding,
    FindingCve,
    FindingInstance,
    Severity,
    State,
)
from .inventory_models import Asset, Service
from .models import Authorisation, Import, PenTest, Scan


def _view(actor: User, project: Project) -> None:
    permissions.require(actor, "project.view", project)


def authorisation_list(*, actor: User, project: Project) -> QuerySet[Authorisation]:
    _view(actor, project)
    return project.authorisations.select_related("created_by", "revoked_by")


def authorisation_get(*, actor: User, project: Project, authorisation_id: int) -> Authorisation:
    row = authorisation_list(actor=actor, project=project).filter(pk=authorisation_id).first()
    if row is None:
        raise Http404("authorisation not found")
    return row


def authorisations_valid(*, actor: User, project: Project, at: dt.datetime | None = None):
    at = at or timezone.now()
    return authorisation_list(actor=actor, project=project).filter(
        revoked_at__isnull=True, valid_from__lte=at, valid_until__gt=at
    )


@dataclass(frozen=True)
class FindingFilter:
    severity: str = ""
    state: str = ""  # a State value, "active" (needs work) or "" (all)
    host: str = ""
    tool: str = ""
    system: int | None = None
    sla: str = ""  # "breached"
    q: str = ""  # words of the title, a rule id, or a CVE id (matched exactly against the whole list)
    cve: str = ""  # one CVE id, exactly


def finding_list(*, actor: User, project: Project, filters: FindingFilter | None = None) -> QuerySet[Finding]:
    _view(actor, project)
    f = filters or FindingFilter()
    rows = Finding.objects.filter(project=project).select_related("system", "owner")
    if f.severity in Severity.values:
        rows = rows.filter(severity=f.severity)
    if f.state == "active":
        rows = rows.filter(state__in=ACTIVE_STATES)
    elif f.state in State.values:
        rows = rows.filter(state=f.state)
    if f.host:
        rows = rows.filter(
            Q(host__icontains=f.host) | Q(hostname__icontains=f.host) | Q(url__icontains=f.host)
        )
    if f.tool:
        rows = rows.filter(tool=f.tool)
    if f.system:
        rows = rows.filter(system_id=f.system)
    if f.sla == "breached":
        rows = rows.filter(state__in=ACTIVE_STATES, sla_due__lt=timezone.localdate())
    if f.cve:
        rows = rows.filter(_has_cve(f.cve))
    if f.q:
        wanted = Q(title__icontains=f.q) | Q(rule_id=f.q)
        rows = rows.filter(wanted | _has_cve(f.q) if cves(f.q) else wanted | Q(cve__icontains=f.q))
    return rows.order_by(_SEVERITY_RANK.desc(), F("sla_due").asc(nulls_last=True), "-id")


# 严重 first, 信息 last; within a severity the nearest due date first (a finding without one last,
# on every database: SQLite would otherwise put NULL first).
_SEVERITY_RANK = Case(
    *(When(severity=value, then=Value(rank)) for value, rank in SEVERITY_ORDER.items()),
    default=Value(-1),
    output_field=IntegerField(),
)


def _has_cve(text: str) -> Exists:
    """Findings listing this CVE (through the indexed FindingCve rows, not a text search)."""
    wanted = cves(text)
    cve = wanted[0] if wanted else text.upper()
    return Exists(FindingCve.objects.filter(finding=OuterRef("pk"), cve=cve))


def finding_get(*, actor: User, project: Project, finding_id: int) -> Finding:
    _view(actor, project)
    row = (
        Finding.objects.filter(project=project, pk=finding_id)
        .select_related(
            "project", "system", "owner", "pentest", "risk_accepted_by", "first_import", "last_import"
        )
        .first()
    )
    if row is None:
        raise Http404("finding not found")
    return row


def finding_instances(*, actor: User, finding: Finding, limit: int = 500) -> list[FindingInstance]:
    """The places of a finding the last import reported more than once (paths, URLs, parameters)."""
    _view(actor, finding.project)
    return list(finding.instances.order_by("id")[:limit])


def finding_events(*, actor: User, finding: Finding):
    _view(actor, finding.project)
    return finding.events.select_related("actor", "source_import").order_by("at", "id")


def finding_tools(*, actor: User, project: Project) -> list[str]:
    _view(actor, project)
    return list(
        Finding.objects.filter(project=project).values_list("tool", flat=True).distinct().order_by("tool")
    )


@dataclass(frozen=True)
class Overview:
    open_by_severity: list[tuple[str, int]]
    states: list[tuple[str, str, int]]
    breached: int
    due_soon: int
    total: int


def overview(*, actor: User, project: Project) -> Overview:
    _view(actor, project)
    today = timezone.localdate()
    warn = sla.warn_days_for(project)
    rows = Finding.objects.filter(project=project)
    active = rows.filter(state__in=ACTIVE_STATES)
    by_sev = dict(active.values_list("severity").annotate(n=Count("id")))
    by_state = dict(rows.values_list("state").annotate(n=Count("id")))
    return Overview(
        open_by_severity=[(s.value, by_sev.get(s.value, 0)) for s in Severity],
        states=[(s.value, s.label, by_state.get(s.value, 0)) for s in State],
        breached=active.filter(sla_due__lt=today).count(),
        due_soon=active.filter(sla_due__gte=today, sla_due__lte=today + dt.timedelta(days=warn)).count(),
        total=sum(by_state.values()),
    )


def sla_warnings(*, actor: User, project: Project, limit: int = 20) -> list[Finding]:
    """Open findings past their due date or within the warning days, the most urgent first."""
    _view(actor, project)
    horizon = timezone.localdate() + dt.timedelta(days=sla.warn_days_for(project))
    rows = Finding.objects.filter(project=project, state__in=ACTIVE_STATES, sla_due__lte=horizon)
    return list(rows.order_by("sla_due", "-id")[:limit])


def trend(*, actor: User, project: Project, system_id: int | None = None) -> dict[str, object]:
    """Open findings by severity after each import, for the chart: {"dates": [...], "series": {...}}."""
    _view(actor, project)
    key = str(system_id) if system_id else ""
    points = []
    for created_at, counts in (
        Import.objects.filter(project=project)
        .order_by("created_at", "id")
        .values_list("created_at", "open_after")
    ):
        points.append(
            (timezone.localtime(created_at).strftime("%Y-%m-%d %H:%M"), (counts or {}).get(key, {}))
        )
    severities = sorted(SEVERITY_ORDER, key=lambda s: -SEVERITY_ORDER[s])
    return {
        "dates": [d for d, _c in points],
        "series": {s: [c.get(s, 0) for _d, c in points] for s in severities},
        "labels": {s: term(s) for s in severities},  # the legend, in the reader's language
    }


def import_list(*, actor: User, project: Project) -> QuerySet[Import]:
    _view(actor, project)
    return project.scan_imports.select_related("created_by", "system", "pentest")


def scan_list(*, actor: User, project: Project) -> QuerySet[Scan]:
    _view(actor, project)
    return project.scans.select_related("authorisation", "created_by")


def scan_get(*, actor: User, project: Project, scan_id: int) -> Scan:
    row = scan_list(actor=actor, project=project).filter(pk=scan_id).first()
    if row is None:
        raise Http404("scan not found")
    return row


def pentest_list(*, actor: User, project: Project) -> QuerySet[PenTest]:
    _view(actor, project)
    return project.pentests.select_related("authorisation", "system").annotate(n_findings=Count("findings"))


def pentest_get(*, actor: User, project: Project, pentest_id: int) -> PenTest:
    row = pentest_list(actor=actor, project=project).filter(pk=pentest_id).first()
    if row is None:
        raise Http404("pentest not found")
    return row


def asset_list(*, actor: User, project: Project, changed_only: bool = False) -> QuerySet[Asset]:
    _view(actor, project)
    rows = Asset.objects.filter(project=project)
    if changed_only:
        rows = rows.filter(services__change__gt="").distinct()
    return rows.order_by("host")


def services_of(*, actor: User, project: Project, assets: list[Asset]) -> dict[int, list[Service]]:
    _view(actor, project)
    out: dict[int, list[Service]] = {a.pk: [] for a in assets}
    for row in Service.objects.filter(asset__in=assets).order_by("protocol", "port"):
        out[row.asset_id].append(row)
    return out


def plan_list(*, actor: User, project: Project):
    permissions.require(actor, "project.view", project)
    return project.scans.filter(status=Scan.Status.PLANNED).select_related("authorisation", "created_by")
