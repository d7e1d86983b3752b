"""Storing a scan report: one transaction, records streamed in batches, re-import reconciled.

The parser yields records lazily and may fail part way; everything happens inside one
``transaction.atomic`` so a bad file leaves nothing behind. The findings side is
``import_run.FindingRun``, the services side ``inventory_services.InventoryRun``.

A re-import closes only what the file shows was looked at — the hosts, ports, protocols
and rules of its ``Coverage`` records, plus any targets the user declares — and nothing
at all when the scan did not finish. Skipped records become numbered warnings.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from dengbao import uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.importers import (
    Coverage,
    CoverageIndex,
    ImportFormatError,
    Incomplete,
    PortSet,
    RecordWarning,
    ServiceObservation,
    detect,
    importers,
    parse,
)
from dengbao.core.importers.limits import MAX_WARNINGS

from . import inventory_services, sla
from .finding_models import ACTIVE_STATES, Finding
from .import_run import FindingRun, scope_host
from .models import Import, PenTest

logger = logging.getLogger(__name__)

BATCH = 1000
SCANNER_TOOL = "dengbao-scanner"  # the tool name of the built-in scanner's findings
FORMATS = tuple(importers())
MAX_DECLARED = 10_000  # targets a user may declare as covered in one import

__all__ = ["FORMATS", "SCANNER_TOOL", "ImportRefused", "import_scan", "scan_results_store", "scope_host"]


class ImportRefused(ValidationError):
    """The file was refused before reading (size, format name, system of another project)."""


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
    covers: str = "",
) -> Import:
    """Store a scanner report's findings (and nmap's services) in the project; all or nothing.

    ``fmt`` None or "auto" detects the format. ``covers`` declares targets (addresses,
    networks, host names, URLs) the scan ran against that the file may not show — an
    empty Nuclei output, hosts without results: the tool's findings there count as looked
    for. Raises ImportRefused (a ValidationError) for a refused file or declaration and
    ImportFormatError — the importer's own message with its position — for a malformed
    file; neither leaves a row behind, and both are audited.
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
        raise _refuse(actor, project, name, f"文件“{name}”过大：上限 {uploads.limit_text()}")
    if fmt not in (None, "", "auto") and fmt not in FORMATS:
        raise _refuse(actor, project, name, f"未知的格式“{fmt}”；可选：{'、'.join(FORMATS)}")
    try:
        declared = declared_coverage(covers)
        if fmt in (None, "", "auto"):
            if not size:
                parse(path, None)  # refuses an empty file, naming the formats that accept one
            fmt = detect(path)
    except ValidationError as exc:
        raise _refuse(actor, project, name, "；".join(exc.messages)) from None
    except ImportFormatError as exc:
        named = _named(exc, name)
        _failed(actor, project, name, named)
        raise named from None
    tool = importers()[fmt].tool_name
    extra = [Coverage(tool, hosts=hosts, networks=networks) for hosts, networks in declared]
    digest = sha256 or uploads.file_sha256(path)
    started = time.monotonic()
    try:
        with transaction.atomic():
            records = _guarded(parse(path, fmt), name)
            imp = _store(actor, project, fmt, records, name, size, digest, system, pentest, scan, extra)
    except ImportFormatError as exc:
        named = _named(exc, name)
        _failed(actor, project, name, named)
        raise named from None
    imp.seconds = round(time.monotonic() - started, 3)
    Import.objects.filter(pk=imp.pk).update(seconds=imp.seconds)
    return imp


_SEPARATORS = re.compile(r"[\s,;，；、]+")


def declared_coverage(text: str) -> list[tuple[frozenset[str], tuple]]:
    """The targets a user declares covered: ([(hosts, networks)]) from addresses, CIDRs, names and URLs."""
    items = [item for item in _SEPARATORS.split(text or "") if item]
    if len(items) > MAX_DECLARED:
        raise ValidationError(f"声明的扫描目标过多（{len(items)} 个，上限 {MAX_DECLARED}）；请用网段表示")
    hosts: set[str] = set()
    networks = []
    for item in items:
        if "://" in item:
            try:
                name = urlsplit(item).hostname or ""
            except ValueError:
                name = ""
            if not name:
                raise ValidationError(f"声明的扫描目标“{item[:80]}”不是有效的网址")
            hosts.add(name.lower())
        elif "/" in item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValidationError(f"声明的扫描目标“{item[:80]}”不是有效的网段") from None
        else:
            try:
                hosts.add(str(ipaddress.ip_address(item.strip("[]"))))
            except ValueError:
                if not re.fullmatch(r"[\w.*-]{1,253}", item):
                    raise ValidationError(
                        f"声明的扫描目标“{item[:80]}”不是地址、网段、主机名或网址"
                    ) from None
                hosts.add(item.lower().rstrip("."))
    return [(frozenset(hosts), tuple(networks))] if hosts or networks else []


def _guarded(records: Iterable, name: str) -> Iterator:
    """The parser's records; anything it raises other than its refusal is logged and refused, never a 500."""
    try:
        yield from records
    except ImportFormatError:
        raise
    except Exception as exc:
        logger.exception("importer failed on %s", name)
        reason = (
            f"文件内容无法解析（{type(exc).__name__}），未保存任何数据；错误已记录，请把文件交给管理员排查"
        )
        raise ImportFormatError(reason, source=name) from None


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


class _Warnings:
    """Numbered warnings, the first ``MAX_WARNINGS`` kept in full and the rest counted."""

    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []
        self.count = 0

    def add(self, reason: str, where: str = "") -> None:
        self.count += 1
        if self.count <= MAX_WARNINGS:
            self.items.append({"number": self.count, "where": where, "message": reason})

    def listed(self) -> list[dict[str, object]]:
        if self.count <= MAX_WARNINGS:
            return self.items
        more = {
            "number": MAX_WARNINGS + 1,
            "where": "",
            "message": f"另有 {self.count - MAX_WARNINGS} 条警告未列出",
        }
        return [*self.items, more]


def _store(
    actor, project, fmt, records, name, size, digest, system, pentest, scan, extra: Iterable[Coverage] = ()
) -> Import:
    """Write one report's (or scan's) records in batches and reconcile; the caller holds the transaction."""
    now = timezone.now()
    imp = Import.objects.create(
        project=project, system=system, pentest=pentest, scan=scan, fmt=fmt, filename=name, size=size,
        sha256=digest, created_by=actor, created_at=now,
    )  # fmt: skip
    from . import finding_services

    finding_services.acceptances_expire(project=project, now=now)
    run = FindingRun(
        project=project,
        imp=imp,
        actor=actor,
        system_id=system.pk if system else None,
        pentest_id=pentest.pk if pentest else None,
        now=now,
        days=sla.days_for(project),
    )
    run.load_known()
    coverage = CoverageIndex()
    for item in extra:
        coverage.add(item)
    inventory = inventory_services.InventoryRun(project=project, now=now, tool=fmt, coverage=coverage)
    warnings = _Warnings()
    complete = True
    batch = []
    for record in records:
        if isinstance(record, ServiceObservation):
            inventory.add(record)
        elif isinstance(record, Coverage):
            coverage.add(record)
        elif isinstance(record, RecordWarning):
            warnings.add(record.reason, record.where)
        elif isinstance(record, Incomplete):
            complete = False
            warnings.add(record.reason)
        else:
            batch.append(record)
            if len(batch) >= BATCH:
                run.write(batch)
                batch = []
    if batch:
        run.write(batch)
    for tool, hosts in run.hosts.items():  # a format that says nothing of coverage: its findings' hosts
        if tool not in coverage.tools:
            coverage.add(Coverage(tool, hosts=frozenset(h for h in hosts if h)))
    if not run.findings and not inventory.observed and not coverage.hosts and not coverage.networks:
        warnings.add(
            "文件中没有任何结果，也没有说明扫描了哪些目标：没有关闭任何发现（可填写文件未体现的扫描目标）"
        )
    run.merge_repeats()
    inventory.finish(close=complete)
    moved = run.transitions(coverage, close=complete)
    imp.findings = run.findings
    imp.created, imp.duplicates = run.created, run.duplicates
    imp.updated, imp.closed, imp.reopened = moved["updated"], moved["closed"], moved["reopened"]
    imp.suppressed = moved["suppressed"]
    imp.services = inventory.observed
    imp.services_new, imp.services_unchanged = inventory.new, inventory.unchanged
    imp.services_closed = inventory.closed
    imp.hosts = len(coverage.hosts | {h for hosts in run.hosts.values() for h in hosts if h})
    imp.complete = complete
    imp.coverage = coverage.describe()
    imp.warnings = warnings.listed()
    imp.open_after = open_counts(project)
    imp.save()
    audit.record(
        actor=actor,
        action="scan.import",
        obj=imp,
        details={
            "file": name, "format": fmt, "sha256": digest, **imp.counts(), "hosts": imp.hosts,
            "services": imp.summary()["services"], "warnings": warnings.count, "complete": complete,
        },
        project=project,
    )  # fmt: skip
    return imp


def scan_results_store(*, actor: User | None, scan, result) -> Import:
    """A finished scan's open ports and findings, stored like an imported report (one transaction).

    The scan covered the hosts it probed, on the TCP ports it probed (every port when it
    does not say): only there can a service close, and the engine's findings there.
    """
    import json

    from dengbao.core.scanner.ports import parse_ranges

    ranges = parse_ranges(result.ports) if result.ports else ((1, 65535),)
    ports = PortSet.of({"tcp": ranges})
    hosts = frozenset(result.addresses)
    payload = json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    coverage = [Coverage(tool, hosts=hosts, ports=ports) for tool in (result.engine, SCANNER_TOOL)]
    records = [*result.observations(), *result.findings, *coverage]
    if result.stopped:
        records.append(Incomplete("扫描被中止，本次结果不关闭任何端口或漏洞"))
    with transaction.atomic():
        imp = _store(
            actor, scan.project, result.engine, records, f"扫描任务 #{scan.pk}", len(payload),
            hashlib.sha256(payload).hexdigest(), scan.system, None, scan,
        )  # fmt: skip
    return imp
