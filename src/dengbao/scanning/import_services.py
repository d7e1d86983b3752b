"""Storing a scan report: one transaction, records streamed in batches, re-import reconciled.

The parser yields records lazily and may fail part way; everything happens inside one
``transaction.atomic`` so a bad file leaves nothing behind. Findings are written with
``bulk_create``/``bulk_update`` in batches — never a query per finding — and the state
changes of a re-import (closed, reopened) are applied per batch of ids at the end.

A re-import only closes findings of the same tool on hosts the file covers: a scan of
one subnet does not close what an earlier scan found on another.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.importers import Finding as Record
from dengbao.core.importers import ImportFormatError, Prior, ServiceObservation, detect, parse, reconcile

from . import inventory_services, sla
from .finding_models import ACTIVE_STATES, Finding, FindingEvent, State
from .models import Import, PenTest
from .uploads import file_sha256, limit_text

BATCH = 1000
ID_CHUNK = 500  # ids per "pk IN (...)" update: below SQLite's variable limit

PRIOR = {
    State.OPEN: Prior.ACTIVE,
    State.CONFIRMED: Prior.ACTIVE,
    State.REOPENED: Prior.ACTIVE,
    State.FIXED_PENDING: Prior.CLOSED,
    State.VERIFIED_FIXED: Prior.CLOSED,
    State.FALSE_POSITIVE: Prior.SUPPRESSED,
    State.RISK_ACCEPTED: Prior.SUPPRESSED,
}

SCANNER_TOOL = "dengbao-scanner"  # the tool name of the built-in scanner's findings
FORMATS = ("nessus", "nmap", "openvas", "nuclei", "zap", "csv")


class ImportRefused(ValidationError):
    """The file was refused before reading (size, format name, system of another project)."""


def scope_host(finding: Record) -> str:
    """The host a finding belongs to for re-import scope: its address, else the URL's host."""
    if finding.host:
        return finding.host.lower()
    if finding.url:
        return (urlsplit(finding.url).hostname or "").lower()
    return ""


def _signature(title: str, severity: str, cvss: float | None, evidence: str) -> bytes:
    text = f"{title}\x1f{severity}\x1f{cvss}\x1f{evidence}"
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest()


@dataclass(slots=True)
class _Known:
    id: int
    state: str
    host: str
    first_seen: object
    signature: bytes


@dataclass
class _Run:
    """The state of one import while the file streams through it."""

    project: Project
    imp: Import
    actor: User | None
    system_id: int | None
    pentest_id: int | None
    now: object
    days: dict[str, int]
    known: dict[tuple[str, str], _Known] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    scope: set[tuple[str, str]] = field(default_factory=set)
    created: int = 0
    duplicates: int = 0
    findings: int = 0

    def load_known(self) -> None:
        rows = Finding.objects.filter(project=self.project).values_list(
            "id",
            "tool",
            "dedup_key",
            "state",
            "host",
            "first_seen",
            "title",
            "severity",
            "cvss_score",
            "evidence",
        )
        for pk, tool, key, state, host, first_seen, title, severity, cvss, evidence in rows.iterator(
            chunk_size=2000
        ):
            self.known[(tool, key)] = _Known(
                pk, state, host, first_seen, _signature(title, severity, cvss, evidence)
            )

    def write(self, batch: list[Record]) -> None:
        creates: list[Finding] = []
        updates: list[Finding] = []
        touched: list[int] = []
        for record in batch:
            self.findings += 1
            ident = (record.tool, record.dedup_key)
            host = scope_host(record)
            self.scope.add((record.tool, host))
            if ident in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(ident)
            known = self.known.get(ident)
            if known is None:
                creates.append(self._new(record, host))
                continue
            signature = _signature(
                record.title[:500], record.severity.value, record.cvss_score, record.evidence
            )
            if signature == known.signature:
                touched.append(known.id)
            else:
                updates.append(self._refresh(known, record))
        if creates:
            Finding.objects.bulk_create(creates, batch_size=500)
            self.created += len(creates)
        if updates:
            Finding.objects.bulk_update(
                updates,
                ["title", "severity", "raw_severity", "cvss_score", "evidence", "sla_due", "last_seen",
                 "last_import", "updated_at"],
                batch_size=200,
            )  # fmt: skip
        for chunk in _chunks(touched):
            Finding.objects.filter(pk__in=chunk).update(last_seen=self.now, last_import=self.imp)

    def _new(self, r: Record, host: str) -> Finding:
        return Finding(
            project=self.project,
            system_id=self.system_id,
            pentest_id=self.pentest_id,
            first_import=self.imp,
            last_import=self.imp,
            tool=r.tool[:50],
            rule_id=r.tool_rule_id[:200],
            dedup_key=r.dedup_key,
            title=r.title[:500],
            severity=r.severity.value,
            raw_severity=r.raw_severity[:32],
            host=host[:255] if not r.host else r.host[:255],
            hostname=r.hostname[:255],
            port=r.port,
            protocol=r.protocol[:8],
            url=r.url,
            parameter=r.parameter[:200],
            service=r.service[:64],
            cve=" ".join(r.cve)[:1000],
            cwe=" ".join(str(c) for c in r.cwe)[:200],
            cvss_score=r.cvss_score,
            cvss_vector=r.cvss_vector[:200],
            description=r.description,
            evidence=r.evidence,
            steps=r.steps,
            solution=r.solution,
            references="\n".join(r.references),
            state=State.OPEN,
            first_seen=self.now,
            last_seen=self.now,
            sla_due=sla.due(self.now, r.severity.value, self.days),
            created_by=self.actor,
            updated_at=self.now,
        )

    def _refresh(self, known: _Known, r: Record) -> Finding:
        return Finding(
            pk=known.id,
            title=r.title[:500],
            severity=r.severity.value,
            raw_severity=r.raw_severity[:32],
            cvss_score=r.cvss_score,
            evidence=r.evidence,
            sla_due=sla.due(known.first_seen, r.severity.value, self.days),
            last_seen=self.now,
            last_import=self.imp,
            updated_at=self.now,
        )

    def transitions(self, *, close: bool = True) -> dict[str, int]:
        """Close what left the covered hosts (not after a cut-short run); reopen what came back."""
        previous: dict[str, str] = {}
        ids: dict[str, _Known] = {}
        for (tool, key), known in self.known.items():
            if (tool, known.host.lower()) in self.scope:
                previous[key] = PRIOR[State(known.state)]
                ids[key] = known
        result = reconcile(previous, (key for _tool, key in self.seen))
        closed = [ids[key] for key in result.disappeared] if close else []
        back = [ids[key] for key in result.reopened]
        self._move(closed, State.FIXED_PENDING, "扫描未再发现，待验证修复", closed_at=self.now)
        self._move(back, State.REOPENED, "扫描再次发现", closed_at=None)
        return {
            "updated": len(result.still_present) + len(result.suppressed_seen),
            "closed": len(closed),
            "reopened": len(back),
            "suppressed": len(result.suppressed_seen),
        }

    def _move(self, rows: list[_Known], state: State, text: str, *, closed_at) -> None:
        for chunk in _chunks(rows):
            Finding.objects.filter(pk__in=[k.id for k in chunk]).update(
                state=state, closed_at=closed_at, updated_at=self.now
            )
            FindingEvent.objects.bulk_create(
                [
                    FindingEvent(
                        finding_id=k.id,
                        kind=FindingEvent.Kind.STATE,
                        from_state=k.state,
                        to_state=state,
                        text=text,
                        source_import=self.imp,
                        actor=self.actor,
                        at=self.now,
                    )
                    for k in chunk
                ],
                batch_size=500,
            )


def _chunks(items: list, size: int = ID_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def open_counts(project: Project) -> dict[str, dict[str, int]]:
    """Open findings by severity, for the whole project ("") and per system id."""
    out: dict[str, dict[str, int]] = {"": {}}
    rows = (
        Finding.objects.filter(project=project, state__in=ACTIVE_STATES)
        .values_list("system_id", "severity")
        .annotate(n=Count("id"))
    )
    for system_id, severity, n in rows:
        out[""][severity] = out[""].get(severity, 0) + n
        if system_id:
            out.setdefault(str(system_id), {})[severity] = n
    return out


def _refuse(actor: User, project: Project, name: str, reason: str) -> ImportRefused:
    audit.record(
        actor=actor,
        action="scan.import_refused",
        obj=project,
        outcome="refused",
        details={"file": name, "reason": reason},
        project=project,
    )
    return ImportRefused(reason)


def import_scan(
    *,
    actor: User,
    project: Project,
    fmt: str | None,
    path: str | os.PathLike[str],
    system=None,
    pentest: PenTest | None = None,
    filename: str | None = None,
    sha256: str | None = None,
    scan=None,
) -> Import:
    """Store a scanner report's findings (and nmap's services) in the project; all or nothing.

    ``fmt`` None or "auto" detects the format. Raises ImportRefused (a ValidationError)
    for a refused file and ImportFormatError — the importer's own message with its
    position — for a malformed one; neither leaves a row behind, and both are audited.
    """
    permissions.require(actor, "project.record", project)
    path = Path(path)
    name = (filename or path.name)[:200]
    if system is not None and not project.systems.filter(pk=system.pk).exists():
        raise ValidationError("所选定级对象不属于本项目")
    if pentest is not None and pentest.project_id != project.pk:
        raise ValidationError("所选渗透测试不属于本项目")
    size = os.path.getsize(path)
    if size > settings.DENGBAO_MAX_UPLOAD_BYTES:
        raise _refuse(actor, project, name, f"文件“{name}”过大：上限 {limit_text()}")
    if fmt in (None, "", "auto"):
        try:
            fmt = detect(path)
        except ImportFormatError as exc:
            named = _named(exc, name)
            _failed(actor, project, name, named)
            raise named from None
    if fmt not in FORMATS:
        raise _refuse(actor, project, name, f"未知的格式“{fmt}”；可选：{'、'.join(FORMATS)}")
    digest = sha256 or file_sha256(path)
    started = time.monotonic()
    try:
        with transaction.atomic():
            imp = _store(actor, project, fmt, parse(path, fmt), name, size, digest, system, pentest, scan)
    except ImportFormatError as exc:
        named = _named(exc, name)
        _failed(actor, project, name, named)
        raise named from None
    imp.seconds = round(time.monotonic() - started, 3)
    Import.objects.filter(pk=imp.pk).update(seconds=imp.seconds)
    return imp


def _named(exc: ImportFormatError, name: str) -> ImportFormatError:
    """The importer's error naming the file as the user uploaded it (not the temporary copy)."""
    return ImportFormatError(exc.reason, source=name, where=exc.where, line=exc.line)


def _failed(actor: User, project: Project, name: str, exc: ImportFormatError) -> None:
    """Audit a failed import outside its rolled-back transaction."""
    audit.record(
        actor=actor,
        action="scan.import_failed",
        obj=project,
        outcome="failed",
        details={"file": name, "error": str(exc)},
        project=project,
    )


def _store(
    actor,
    project,
    fmt,
    records,
    name,
    size,
    digest,
    system,
    pentest,
    scan,
    port_covered=None,
    covered=(),
    complete=True,
) -> Import:
    """Write one report's (or scan's) records in batches and reconcile; the caller holds the transaction."""
    now = timezone.now()
    imp = Import.objects.create(
        project=project,
        system=system,
        pentest=pentest,
        scan=scan,
        fmt=fmt,
        filename=name,
        size=size,
        sha256=digest,
        created_by=actor,
        created_at=now,
    )
    from . import finding_services

    finding_services.acceptances_expire(project=project, now=now)
    run = _Run(
        project=project,
        imp=imp,
        actor=actor,
        system_id=system.pk if system else None,
        pentest_id=pentest.pk if pentest else None,
        now=now,
        days=sla.days_for(project),
    )
    run.load_known()
    inventory = inventory_services.InventoryRun(project=project, now=now, tool=fmt, port_covered=port_covered)
    for tool, host in covered:  # probed hosts count even when nothing answered
        run.scope.add((tool, host.lower()))
        inventory.cover(host)
    batch: list[Record] = []
    for record in records:
        if isinstance(record, ServiceObservation):
            run.scope.add((record.tool, record.host.lower()))
            inventory.add(record)
            continue
        batch.append(record)
        if len(batch) >= BATCH:
            run.write(batch)
            batch = []
    if batch:
        run.write(batch)
    if complete:
        inventory.finish()
    else:
        inventory.hosts.clear()  # a scan cut short closes nothing
        inventory.finish()
    moved = run.transitions(close=complete)
    imp.findings = run.findings
    imp.created, imp.duplicates = run.created, run.duplicates
    imp.updated, imp.closed, imp.reopened = moved["updated"], moved["closed"], moved["reopened"]
    imp.suppressed = moved["suppressed"]
    imp.services = inventory.observed
    imp.hosts = len({host for _tool, host in run.scope})
    imp.open_after = open_counts(project)
    imp.save()
    audit.record(
        actor=actor,
        action="scan.import",
        obj=imp,
        details={"file": name, "format": fmt, "sha256": digest, **imp.counts()},
        project=project,
    )
    return imp


def scan_results_store(*, actor: User | None, scan, result) -> Import:
    """A finished scan's open ports and findings, stored like an imported report (one transaction).

    Only the ports the scan probed can close a service in the inventory; findings of the
    built-in scanner are reconciled per host like any tool's.
    """
    import json

    from dengbao.core.scanner import parse_ports

    probed = set(parse_ports(result.ports)) if result.ports else set()
    payload = json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    records = [*result.observations(), *result.findings]
    with transaction.atomic():
        inventory_hosts = list(result.addresses)
        imp = _store(
            actor, scan.project, result.engine, records, f"扫描任务 #{scan.pk}", len(payload),
            hashlib.sha256(payload).hexdigest(), scan.system, None, scan,
            port_covered=probed.__contains__ if probed else None,
            covered=[(tool, host) for host in inventory_hosts for tool in (result.engine, SCANNER_TOOL)],
            complete=not result.stopped,
        )  # fmt: skip
    return imp
