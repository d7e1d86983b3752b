"""The asset and service inventory: observations in, changes (new, closed, version) marked.

Observations arrive in batches while a file streams or a scan reports; each batch is
written with a handful of queries. At the end, an open port that this run did not see
open is marked closed — only on a host the run's coverage says was up, and only within
the protocol and port ranges it says were scanned (a UDP scan closes no TCP service).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dengbao.core.importers import CoverageIndex, ServiceObservation

from .inventory_models import Asset, Service

BATCH = 1000


@dataclass
class InventoryRun:
    project: object
    now: object
    tool: str
    coverage: CoverageIndex = field(default_factory=CoverageIndex)  # filled while the file streams
    observed: int = 0
    new: int = 0  # open now, not open before (or never seen)
    unchanged: int = 0  # open before and still open (its version may have changed)
    closed: int = 0  # open before, now closed or no longer answering where the run looked
    hosts: set[str] = field(default_factory=set)
    _batch: list[ServiceObservation] = field(default_factory=list)

    def add(self, obs: ServiceObservation) -> None:
        self._batch.append(obs)
        self.hosts.add(obs.host)
        self.observed += 1
        if len(self._batch) >= BATCH:
            self._flush()

    def finish(self, *, close: bool = True) -> None:
        """Write the last batch; then, unless the run was cut short, close what the coverage shows is gone."""
        self._flush()
        if not close:
            return
        hosts = sorted(self.coverage.port_hosts)
        for start in range(0, len(hosts), 500):
            self._close(hosts[start : start + 500])

    def _assets(self, observations: list[ServiceObservation]) -> dict[str, Asset]:
        names = {o.host: o.hostname for o in observations}
        assets = {a.host: a for a in Asset.objects.filter(project=self.project, host__in=list(names))}
        missing = [
            Asset(
                project=self.project, host=h[:255], hostname=n[:255], first_seen=self.now, last_seen=self.now
            )
            for h, n in names.items()
            if h not in assets
        ]
        if missing:
            Asset.objects.bulk_create(missing, batch_size=500)
            assets.update(
                {a.host: a for a in Asset.objects.filter(project=self.project, host__in=list(names))}
            )
        Asset.objects.filter(pk__in=[a.pk for a in assets.values()]).update(last_seen=self.now)
        return assets

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        assets = self._assets(batch)
        by_asset = {a.pk: a for a in assets.values()}
        existing = {
            (s.asset_id, s.port, s.protocol): s for s in Service.objects.filter(asset_id__in=list(by_asset))
        }
        creates, updates = [], []
        for obs in batch:
            asset = assets[obs.host]
            ident = (asset.pk, obs.port, obs.protocol or "tcp")
            row = existing.get(ident)
            is_open = obs.state == "open"
            if row is None or row.last_seen != self.now:  # first sight of this port in this run
                was_open = row is not None and row.state == "open"
                if is_open:
                    self.unchanged += was_open
                    self.new += not was_open
                elif was_open:
                    self.closed += 1
            if row is None:
                row = Service(
                    asset=asset,
                    port=obs.port,
                    protocol=obs.protocol or "tcp",
                    state=obs.state[:16],
                    service=obs.service[:64],
                    product=obs.product[:200],
                    version=obs.version[:200],
                    change=Service.Change.NEW if is_open else "",
                    changed_at=self.now if is_open else None,
                    tool=self.tool[:16],
                    first_seen=self.now,
                    last_seen=self.now,
                )
                existing[ident] = row
                creates.append(row)
                continue
            change = ""
            if is_open and row.state != "open":
                change = Service.Change.NEW
            elif (obs.product, obs.version) != (row.product, row.version) and (obs.product or obs.version):
                change = Service.Change.VERSION
                row.previous = " ".join(p for p in (row.product, row.version) if p)[:400]
            elif not is_open and row.state == "open":
                change = Service.Change.CLOSED
            row.change = change
            if change:
                row.changed_at = self.now
            row.state = obs.state[:16]
            row.service = obs.service[:64] or row.service
            if obs.product or obs.version:
                row.product, row.version = obs.product[:200], obs.version[:200]
            row.tool, row.last_seen = self.tool[:16], self.now
            if row.pk and row not in updates:
                updates.append(row)
        if creates:
            Service.objects.bulk_create(creates, batch_size=500)
        if updates:
            Service.objects.bulk_update(
                updates,
                [
                    "state",
                    "service",
                    "product",
                    "version",
                    "previous",
                    "change",
                    "changed_at",
                    "tool",
                    "last_seen",
                ],
                batch_size=200,
            )

    def _close(self, hosts: list[str]) -> None:
        """Open ports of these hosts not seen in this run: closed where the run covered them."""
        stale = Service.objects.filter(
            asset__project=self.project, asset__host__in=hosts, state="open"
        ).exclude(last_seen=self.now)
        covers = self.coverage.covers_service
        ids = [
            pk
            for pk, host, port, protocol in stale.values_list("pk", "asset__host", "port", "protocol")
            if covers(host, protocol, port)
        ]
        self.closed += len(ids)
        for start in range(0, len(ids), 500):
            Service.objects.filter(pk__in=ids[start : start + 500]).update(
                state="closed", change=Service.Change.CLOSED, changed_at=self.now, tool=self.tool[:16]
            )
        # what an earlier run changed is no longer news once this run covered the host
        Service.objects.filter(asset__project=self.project, asset__host__in=hosts).exclude(change="").exclude(
            changed_at=self.now
        ).update(change="")
