"""The findings side of one import while the file streams through it: write, merge, reconcile.

Findings are written with ``bulk_create``/``bulk_update`` in batches — never a query per
finding. A dedup key that repeats within the file is one finding: its places are kept as
``FindingInstance`` rows and its CVE, CWE and reference lists are united. At the end,
stored findings the file's coverage shows were looked for and not found are closed, and
closed ones seen again reopen (see ``core.importers.coverage``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import connection

from dengbao.accounts.models import Project, User
from dengbao.core.importers import CoverageIndex, Prior, reconcile
from dengbao.core.importers import Finding as Record

from . import sla
from .finding_models import Finding, FindingCve, FindingEvent, FindingInstance, State
from .models import Import

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
_REFRESHED = [
    "title", "severity", "raw_severity", "cvss_score", "evidence", "sla_due", "last_seen", "last_import",
    "updated_at",
]  # fmt: skip
_LISTS = ["cve", "cwe", "references"]


_MERGED = ("tool", "dedup_key", "url", "host", "port", "protocol", "parameter", "evidence", "cve", "cwe",
           "references")  # fmt: skip


def scope_host(finding: Record) -> str:
    """The host a finding belongs to for re-import scope: its address, else the URL's host."""
    if finding.host:
        return finding.host.lower()
    if finding.url:
        try:
            return (urlsplit(finding.url).hostname or "").lower()
        except ValueError:
            return ""
    return ""


def place_of(url: str, host: str, port: int | None, protocol: str) -> str:
    """Where a finding is, as one line: its URL, else host:port/protocol, else the host."""
    if url:
        return url
    return f"{host}:{port}/{protocol or 'tcp'}" if port else host


def _signature(title: str, severity: str, cvss: float | None, evidence: str, cve: str, refs: str) -> bytes:
    text = f"{title}\x1f{severity}\x1f{cvss}\x1f{evidence}\x1f{cve}\x1f{refs}"
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest()


def _digest(cve: str, cwe: str, refs: str) -> bytes:
    return hashlib.blake2b(f"{cve}\x1f{cwe}\x1f{refs}".encode("utf-8", "replace"), digest_size=8).digest()


def _lists(record: Record) -> tuple[str, str, str]:
    return " ".join(record.cve), " ".join(str(c) for c in record.cwe), "\n".join(record.references)


def update_rows(model, rows: list, fields: list[str]) -> None:
    """``UPDATE … WHERE id = ?`` once per row through ``executemany``, the fields of each row's own values.

    Django's ``bulk_update`` builds one CASE expression per field per batch, which costs more
    than the write itself at tens of thousands of rows; this is the same statement prepared once.
    """
    if not rows:
        return
    columns = [model._meta.get_field(name) for name in fields]
    sets = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in columns)
    sql = f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {sets} WHERE id = %s"  # noqa: S608 - names from the model
    params = [
        [c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns] + [row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        for chunk in chunks(params, 1000):
            cursor.executemany(sql, chunk)


@dataclass(slots=True)
class _Known:
    id: int
    state: str
    host: str
    hostname: str
    rule_id: str
    severity: str
    port: int | None
    protocol: str
    first_seen: object
    signature: bytes
    lists: bytes  # digest of the CVE, CWE and reference lists: re-indexed only when they change


@dataclass
class FindingRun:
    """The state of one import's findings while the file streams through it."""

    project: Project
    imp: Import
    actor: User | None
    system_id: int | None
    pentest_id: int | None
    now: object
    days: dict[str, int]
    known: dict[tuple[str, str], _Known] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    hosts: dict[str, set[str]] = field(default_factory=dict)  # tool → hosts of its findings in the file
    repeats: dict[tuple[str, str], list[Record]] = field(default_factory=dict)
    created: int = 0
    duplicates: int = 0
    findings: int = 0

    def load_known(self) -> None:
        rows = Finding.objects.filter(project=self.project).values_list(
            "id", "tool", "dedup_key", "state", "host", "hostname", "rule_id", "severity", "port", "protocol",
            "first_seen", "title", "cvss_score", "evidence", "cve", "cwe", "references",
        )  # fmt: skip
        for row in rows.iterator(chunk_size=2000):
            pk, tool, key, state, host, hostname, rule, severity, port, protocol, first_seen = row[:11]
            title, cvss, evidence, cve, cwe, refs = row[11:]
            self.known[(tool, key)] = _Known(
                pk, state, host, hostname, rule, severity, port, protocol, first_seen,
                _signature(title, severity, cvss, evidence, cve, refs), _digest(cve, cwe, refs),
            )  # fmt: skip

    def write(self, batch: list[Record]) -> None:
        creates: list[tuple[Finding, Record]] = []
        updates: list[Finding] = []
        relisted: list[Finding] = []  # updated rows whose CVE, CWE or reference lists changed
        touched: list[int] = []
        for record in batch:
            self.findings += 1
            ident = (record.tool, record.dedup_key)
            host = scope_host(record)
            self.hosts.setdefault(record.tool, set()).add(host)
            if ident in self.seen:
                self.duplicates += 1
                self.repeats.setdefault(ident, []).append(record)
                continue
            self.seen.add(ident)
            known = self.known.get(ident)
            if known is None:
                creates.append((self._new(record, host), record))
                continue
            cve, cwe, refs = _lists(record)
            signature = _signature(
                record.title[:500], record.severity.value, record.cvss_score, record.evidence, cve, refs
            )
            if signature == known.signature:
                touched.append(known.id)
            elif _digest(cve, cwe, refs) == known.lists:
                updates.append(self._refresh(known, record))
            else:
                relisted.append(self._refresh(known, record))
        if creates:
            rows = Finding.objects.bulk_create([row for row, _ in creates], batch_size=500)
            self.created += len(rows)
            if any(row.pk is None for row in rows):  # a backend that does not return ids from bulk inserts
                ids = dict(
                    Finding.objects.filter(project=self.project, dedup_key__in=[r.dedup_key for r in rows])
                    .values_list("dedup_key", "pk")
                )  # fmt: skip
                for row in rows:
                    row.pk = ids[row.dedup_key]
            _index_cves([(row.pk, record.cve) for row, (_, record) in zip(rows, creates, strict=True)])
        update_rows(Finding, updates, _REFRESHED)
        update_rows(Finding, relisted, _REFRESHED + _LISTS)
        _reindex_cves([(row.pk, tuple(row.cve.split())) for row in relisted])
        for chunk in chunks(touched):
            Finding.objects.filter(pk__in=chunk).update(last_seen=self.now, last_import=self.imp)

    def _new(self, r: Record, host: str) -> Finding:
        cve, cwe, refs = _lists(r)
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
            cve=cve,
            cwe=cwe,
            cvss_score=r.cvss_score,
            cvss_vector=r.cvss_vector[:200],
            description=r.description,
            evidence=r.evidence,
            steps=r.steps,
            solution=r.solution,
            references=refs,
            state=State.OPEN,
            first_seen=self.now,
            last_seen=self.now,
            sla_due=sla.due(self.now, r.severity.value, self.days),
            created_by=self.actor,
            updated_at=self.now,
        )

    def _refresh(self, known: _Known, r: Record) -> Finding:
        cve, cwe, refs = _lists(r)
        return Finding(
            pk=known.id,
            title=r.title[:500],
            severity=r.severity.value,
            raw_severity=r.raw_severity[:32],
            cvss_score=r.cvss_score,
            evidence=r.evidence,
            cve=cve,
            cwe=cwe,
            references=refs,
            sla_due=sla.due(known.first_seen, r.severity.value, self.days),
            last_seen=self.now,
            last_import=self.imp,
            updated_at=self.now,
        )

    def merge_repeats(self) -> None:
        """Findings whose key repeated in the file: every place kept as an instance, lists united."""
        FindingInstance.objects.filter(finding__last_import=self.imp).exclude(source_import=self.imp).delete()
        idents = list(self.repeats)
        for part in chunks(idents):
            rows = Finding.objects.filter(project=self.project, dedup_key__in=[k for _t, k in part])
            by_ident = {(row.tool, row.dedup_key): row for row in rows.only(*_MERGED)}
            instances: list[FindingInstance] = []
            changed: list[Finding] = []
            for ident in part:
                row, more = by_ident[ident], self.repeats[ident]
                instances.append(self._instance(row.pk, row.url, row.host, row.port, row.protocol,
                                                row.parameter, row.evidence))  # fmt: skip
                for r in more:
                    instances.append(self._instance(row.pk, r.url, r.host or row.host, r.port, r.protocol,
                                                    r.parameter, r.evidence))  # fmt: skip
                lists = (
                    " ".join(_union(row.cve.split(), *(r.cve for r in more))),
                    " ".join(_union(row.cwe.split(), *((str(c) for c in r.cwe) for r in more))),
                    "\n".join(_union(row.references.split("\n"), *(r.references for r in more))),
                )
                if lists != (row.cve, row.cwe, row.references):
                    row.cve, row.cwe, row.references = lists
                    changed.append(row)
            FindingInstance.objects.bulk_create(instances, batch_size=500)
            if changed:
                update_rows(Finding, changed, _LISTS)
                _reindex_cves([(row.pk, tuple(row.cve.split())) for row in changed])

    def _instance(self, pk, url, host, port, protocol, parameter, evidence) -> FindingInstance:
        place = place_of(url, host, port, protocol)
        return FindingInstance(
            finding_id=pk, place=place, parameter=parameter[:200], evidence=evidence, source_import=self.imp
        )

    def transitions(self, coverage: CoverageIndex, *, close: bool = True) -> dict[str, int]:
        """Close what the coverage shows was looked for and not found; reopen what came back."""
        previous: dict[str, str] = {}
        ids: dict[str, _Known] = {}
        for (tool, key), known in self.known.items():
            seen = (tool, key) in self.seen
            if seen or coverage.covers_finding(
                tool=tool, rule_id=known.rule_id, severity=known.severity, host=known.host,
                hostname=known.hostname, port=known.port, protocol=known.protocol,
            ):  # fmt: skip
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
        for chunk in chunks(rows):
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


def _union(first, *more) -> list[str]:
    out: dict[str, None] = dict.fromkeys(x for x in first if x)
    for items in more:
        out.update(dict.fromkeys(str(x) for x in items if x))
    return list(out)


def _index_cves(pairs: list[tuple[int, tuple[str, ...]]]) -> None:
    """CVE rows for findings that have none (new, or just cleared): one prepared INSERT per row."""
    rows = [(pk, cve[:32]) for pk, cves in pairs for cve in dict.fromkeys(cves)]
    if not rows:
        return
    table = connection.ops.quote_name(FindingCve._meta.db_table)
    sql = f"INSERT INTO {table} (finding_id, cve) VALUES (%s, %s)"  # noqa: S608 - the model's own table
    with connection.cursor() as cursor:
        for chunk in chunks(rows, 2000):
            cursor.executemany(sql, chunk)


def _reindex_cves(pairs: list[tuple[int, tuple[str, ...]]]) -> None:
    for chunk in chunks(pairs):
        FindingCve.objects.filter(finding_id__in=[pk for pk, _ in chunk]).delete()
    _index_cves(pairs)


def index_cves(finding: Finding) -> None:
    """The FindingCve rows of one finding saved by hand (a pen-test entry), from its cve text."""
    _reindex_cves([(finding.pk, tuple(dict.fromkeys(finding.cve.upper().split())))])


def chunks(items: list, size: int = ID_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
