"""Live collection over SSH for an assessment: scope first, then collect in parallel, then import.

Every target is checked against the project's signed authorisation by ``gate`` (the scanning
app's scope check, passed in by the caller: collection and scanning sit side by side in the
layers) before any packet is sent to it; a refusal is audited there. Host keys are trusted on
first use per assessment (recorded, audited) and a different key later is refused. Bundles
are matched to an object by the address or name connected to, else by the bundle's host, and
imported as proposals through ``bundle_import``. Credentials live only in memory for the run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.audit import services as audit
from dengbao.core.collect import ssh
from dengbao.core.collect.scripts import linux
from dengbao.core.scanner.targets import system_lookup

from . import services
from .models import SshHostKey

# gate(target, port, lookup) -> "" when the target may be touched, else the refusal (already audited)
Gate = Callable[[str, int, Callable[[str], Sequence[str]]], str]


@dataclass
class HostReport:
    target: str
    address: str = ""
    port: int = 22
    # imported ("collected" while in progress), or: refused, invalid, auth, timeout, host_key,
    # unreachable, key, script, bundle, error, no_object, import_failed
    status: str = ""
    message: str = ""
    object: str = ""
    fingerprint: str = ""
    host_key: str = ""  # recorded (first use) or matched
    seconds: float = 0.0
    summary: services.ImportSummary | None = None

    @property
    def ok(self) -> bool:
        return self.status == "imported"

    def as_json(self) -> dict:
        return {
            "target": self.target,
            "address": self.address,
            "port": self.port,
            "status": self.status,
            "message": self.message,
            "object": self.object,
            "fingerprint": self.fingerprint,
            "host_key": self.host_key,
            "seconds": round(self.seconds, 2),
            "import": self.summary.as_json() if self.summary else None,
        }


class _Resolver:
    """A resolver (the system's by default), remembered: the address judged in scope is the one
    connected to. The scope check calls it only for names an authorisation lists."""

    def __init__(self, lookup: Callable[[str], Sequence[str]] | None = None) -> None:
        self.lookup = lookup or system_lookup
        self.seen: dict[str, list[str]] = {}

    def __call__(self, name: str) -> list[str]:
        if name not in self.seen:
            self.seen[name] = list(self.lookup(name))
        return self.seen[name]


def _address_of(target: str, resolver: _Resolver) -> str:
    try:
        return str(ipaddress.ip_address(target))
    except ValueError:
        addresses = resolver.seen.get(target) or []
        return addresses[0] if addresses else ""


def _is_network(target: str) -> bool:
    try:
        net = ipaddress.ip_network(target, strict=False)
    except ValueError:
        return False
    return "/" in target and net.num_addresses > 1


def collect_ssh(
    *,
    actor: User,
    assessment,
    targets: Sequence[str],
    credentials: ssh.Credentials,
    gate: Gate,
    port: int = 22,
    parallel: int = 8,
    timeout: float = 90.0,
    progress: Callable[[HostReport], None] | None = None,
    lookup: Callable[[str], Sequence[str]] | None = None,
) -> list[HostReport]:
    """Collect each target in scope over SSH and import its bundle; one report per target, in order.

    ``lookup`` resolves host names the authorisation lists (default: the system resolver).
    """
    project = assessment.project
    permissions.require(actor, "project.record", project)
    if not 1 <= port <= 65535:
        raise ValidationError("端口须在 1 到 65535 之间")
    reports: dict[str, HostReport] = {}
    plan: list[ssh.Target] = []
    resolver = _Resolver(lookup)
    for target in dict.fromkeys(t.strip() for t in targets if t.strip()):
        report = reports[target] = HostReport(target=target, port=port)
        if _is_network(target):
            report.status, report.message = "invalid", "请逐个列出主机（不接受网段）"
        elif reason := gate(target, port, resolver):
            report.status, report.message = "refused", f"不在授权范围内，未连接：{reason}"
        elif not (address := _address_of(target, resolver)):
            report.status, report.message = "invalid", "无法解析该主机名"
        else:
            report.address = address
            plan.append(ssh.Target(spec=target, address=address, port=port))
        if report.status and progress:
            progress(report)
    known = {
        (k.host, k.port): k.public_key
        for k in SshHostKey.objects.filter(assessment=assessment, host__in=[t.address for t in plan])
    }

    def collected(outcome: ssh.Outcome) -> None:
        """As each host ends (no database here: this runs in the event loop)."""
        if progress:
            seen = reports[outcome.target.spec]
            progress(
                HostReport(
                    target=seen.target,
                    address=seen.address,
                    port=port,
                    status=outcome.status,
                    message=outcome.message,
                    fingerprint=outcome.fingerprint,
                    seconds=outcome.seconds,
                )
            )

    outcomes = asyncio.run(
        ssh.collect_many(
            plan,
            credentials,
            linux.script(),
            known_keys=known,
            parallel=parallel,
            timeout=timeout,
            progress=collected,
        )
    )
    for outcome in outcomes:
        report = reports[outcome.target.spec]
        _finish(actor, assessment, report, outcome)
        if progress and outcome.ok:  # a failure was reported as it happened
            progress(report)
    audit.record(
        actor=actor,
        action="collection.ssh_collect",
        obj=assessment,
        details={
            "login": credentials.username,
            "auth": "key" if credentials.key_file else "password",
            "port": port,
            "hosts": [
                {"target": r.target, "address": r.address, "status": r.status, "fingerprint": r.fingerprint}
                for r in reports.values()
            ],
        },
        project=project,
    )
    return list(reports.values())


def _finish(actor: User, assessment, report: HostReport, outcome: ssh.Outcome) -> None:
    report.seconds = outcome.seconds
    report.fingerprint = outcome.fingerprint
    if outcome.status == "host_key":
        stored = SshHostKey.objects.filter(
            assessment=assessment, host=outcome.target.address, port=outcome.target.port
        ).first()
        report.status, report.message = "host_key", outcome.message
        report.fingerprint = stored.fingerprint if stored else ""
        audit.record(
            actor=actor,
            action="collection.ssh_host_key_mismatch",
            obj=stored,
            outcome="refused",
            details={
                "address": outcome.target.address,
                "port": outcome.target.port,
                "recorded": report.fingerprint,
            },
            project=assessment.project,
        )
        return
    if outcome.host_key:
        report.host_key = _record_key(actor, assessment, outcome) if outcome.first_use else "matched"
        if report.host_key == "mismatch":
            report.status, report.message = "host_key", "主机密钥与另一次运行刚记录的不一致，采集包未导入"
            return
    if not outcome.ok:
        report.status, report.message = outcome.status, outcome.message
        return
    obj = services.object_for_host(
        assessment=assessment, host={"hostname": report.target, "addresses": [report.address]}
    ) or services.object_for_host(assessment=assessment, host=_bundle_host(outcome.bundle))
    if obj is None:
        report.status = "no_object"
        report.message = "找不到与该主机对应的测评对象（按名称或 IP/位置 匹配），采集包未导入"
        return
    report.object = obj.name
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        report.summary = services.bundle_import(
            actor=actor, obj=obj, data=outcome.bundle, filename=f"ssh-{report.address}-{stamp}.tar.gz"
        )
    except ValidationError as exc:
        report.status, report.message = "import_failed", "；".join(exc.messages)
        return
    report.status = "imported"


def _bundle_host(data: bytes) -> dict:
    from dengbao.core.collect import read_bundle

    return read_bundle(data).host


def _record_key(actor: User, assessment, outcome: ssh.Outcome) -> str:
    target = outcome.target
    try:
        with transaction.atomic():
            key = SshHostKey.objects.create(
                assessment=assessment,
                host=target.address,
                port=target.port,
                public_key=outcome.host_key,
                fingerprint=outcome.fingerprint,
                recorded_by=actor,
            )
            audit.record(
                actor=actor,
                action="collection.ssh_host_key_recorded",
                obj=key,
                details={"address": target.address, "port": target.port, "fingerprint": outcome.fingerprint},
                project=assessment.project,
            )
    except IntegrityError:  # recorded meanwhile by a concurrent run: the same key, or a refusal
        stored = SshHostKey.objects.get(assessment=assessment, host=target.address, port=target.port)
        return "matched" if stored.public_key == outcome.host_key else "mismatch"
    return "recorded"


def host_key_forget(*, actor: User, assessment, host: str, port: int = 22) -> SshHostKey:
    """Remove a recorded host key (the host was reinstalled and its new key checked): audited."""
    permissions.require(actor, "project.edit", assessment.project)
    with transaction.atomic():
        key = (
            SshHostKey.objects.select_for_update().filter(assessment=assessment, host=host, port=port).first()
        )
        if key is None:
            raise ValidationError(f"本测评没有记录 {host}:{port} 的主机密钥")
        audit.record(
            actor=actor,
            action="collection.ssh_host_key_forget",
            obj=assessment,
            details={"address": host, "port": port, "fingerprint": key.fingerprint},
            project=assessment.project,
        )
        key.delete()
    return key
