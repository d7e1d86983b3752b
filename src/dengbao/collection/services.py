"""Importing collection bundles and deciding the results their rules propose.

A bundle becomes hashed evidence and one proposal per unit its rules decide. Accepting
a proposal writes the result (audited, marked as from a rule and which bundle); a
result a person entered is never overwritten, and neither is one changed since the
proposal was made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.assessments.models import AssessmentObject, ResultRecord
from dengbao.assessments.services import current_round
from dengbao.audit import services as audit
from dengbao.core import collect
from dengbao.core.collect.inputs import read_any
from dengbao.core.collect.ruleset import RuleError

from .models import CollectedBundle, Proposal

METHODS = ["核查"]
# Object types a platform's bundle describes; importing elsewhere is allowed but warned about.
PLATFORM_KINDS = {
    "linux": {"服务器/操作系统", "终端", "虚拟机", "安全设备"},
    **{device: {"网络设备", "安全设备"} for device in ("huawei", "h3c", "cisco")},
}


@dataclass
class ImportSummary:
    bundle: CollectedBundle
    counts: dict[str, int]
    proposals: list[Proposal]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "rules": self.counts,
            "proposals": len(self.proposals),
            "units": [
                {
                    "unit": p.unit_id,
                    "result": p.result,
                    "proposal": p.pk,
                    "current": p.record.result,
                    "rules": [e["rule"] for e in p.evidence],
                }
                for p in self.proposals
            ],
            "warnings": self.warnings,
        }


def rules_for(platform: str) -> list[collect.Rule]:
    """Built-in rules plus the agency's own file (DENGBAO_COLLECT_RULES), for one platform."""
    try:
        return collect.load_rules(
            extra=getattr(settings, "DENGBAO_COLLECT_RULES", "") or None, platform=platform
        )
    except (RuleError, OSError) as exc:
        raise ValidationError(f"采集规则文件有误：{exc}") from None


def _level(obj: AssessmentObject, records: Iterable[ResultRecord]) -> str:
    levels = {r.unit_id.split("-", 1)[0] for r in records}
    if len(levels) != 1:
        raise ValidationError(f"{obj.name} 没有可判定的测评单元")
    return levels.pop()


def from_person(record: ResultRecord) -> bool:
    """True when the result was entered by a person, not written by accepting a rule's proposal."""
    if not record.result:
        return False
    return not Proposal.objects.filter(
        record=record, status=Proposal.Status.ACCEPTED, applied_version=record.version
    ).exists()


def bundle_import(*, actor: User, obj: AssessmentObject, data: bytes, filename: str) -> ImportSummary:
    """Store the bundle as evidence and propose a result per unit its rules decide (one transaction)."""
    assessment = obj.assessment
    project = assessment.project
    permissions.require(actor, "project.record", project)
    rnd = current_round(assessment)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再导入采集结果")
    if len(data) > settings.DENGBAO_MAX_UPLOAD_BYTES:
        raise ValidationError(f"文件过大：上限 {settings.DENGBAO_MAX_UPLOAD_MB} MB")
    try:
        bundle = read_any(filename, data)
    except collect.BundleError as exc:
        raise ValidationError(f"{filename}：{exc}") from None
    platform = bundle.platform
    rules = rules_for(platform)
    if not rules:
        raise ValidationError(f"{filename}：没有适用于平台“{platform or '未知'}”的采集规则")
    records = {r.unit_id: r for r in ResultRecord.objects.filter(round=rnd, obj=obj)}
    level = _level(obj, records.values())
    results = collect.evaluate(rules, bundle.artefacts)
    unit_proposals = collect.propose(results, level=level)
    warnings = list(bundle.warnings)
    if obj.kind not in PLATFORM_KINDS.get(platform, {obj.kind}):
        warnings.append(
            f"“{obj.name}”是{obj.kind}，{platform} 采集包通常用于服务器/操作系统，请确认对象选择正确"
        )
    host = bundle.host
    names = {str(host.get("hostname", "")), str(host.get("fqdn", "")), *map(str, host.get("addresses", []))}
    if obj.location and not any(n and n in obj.location for n in names):
        warnings.append(
            f"采集包主机 {host.get('hostname', '?')} 与对象的 IP/位置“{obj.location}”不一致，请确认"
        )
    for r in results:
        if r.state is collect.State.ERROR:
            warnings.append(f"规则 {r.rule.id}：{r.message}")
    stored_data, ext = data, "tar.gz"
    masked = bundle.manifest.get("masked_copy")
    if isinstance(masked, str) and masked in bundle.artefacts:
        # a device configuration: keep its text with every secret masked, never the secrets
        stored_data, ext = bundle.artefacts[masked].encode("utf-8"), "txt"
    sha = hashlib.sha256(stored_data).hexdigest()
    sm3 = hashlib.new("sm3", stored_data).hexdigest() if "sm3" in hashlib.algorithms_available else ""
    created: list[Proposal] = []
    with transaction.atomic():
        stored = CollectedBundle(
            round=rnd,
            obj=obj,
            filename=filename[:200],
            size=len(stored_data),
            sha256=sha,
            sm3=sm3,
            platform=platform[:32],
            collector_version=str(bundle.manifest.get("version", ""))[:32],
            host=host,
            collected_at=str(bundle.manifest.get("started", ""))[:40],
            counts=collect.counts(results),
            rule_results=[r.as_dict() for r in results],
            uploaded_by=actor,
        )
        stored.file.save(f"{sha[:16]}.{ext}", ContentFile(stored_data), save=False)
        stored.save()
        for up in unit_proposals:
            record = records.get(up.unit)
            if record is None:
                warnings.append(f"{up.unit}：不适用于“{obj.kind}”类对象，未生成建议")
                continue
            Proposal.objects.filter(record=record, status=Proposal.Status.PENDING).update(
                status=Proposal.Status.SUPERSEDED
            )
            if from_person(record):
                warnings.append(f"{up.unit}：已有人工录入的结果“{record.result}”，建议不会覆盖，仅供复核")
            created.append(
                Proposal.objects.create(
                    bundle=stored,
                    record=record,
                    unit_id=up.unit,
                    result=up.result,
                    note=up.note,
                    evidence=[r.as_dict() for r in up.rules],
                    based_on_version=record.version,
                )
            )
        audit.record(
            actor=actor,
            action="collection.bundle_import",
            obj=obj,
            details={
                "file": stored.filename,
                "sha256": sha,
                **({"source_sha256": hashlib.sha256(data).hexdigest()} if stored_data is not data else {}),
                "host": str(host.get("hostname", ""))[:100],
                "rules": stored.counts,
                "proposals": len(created),
            },
            project=project,
        )
    return ImportSummary(bundle=stored, counts=stored.counts, proposals=created, warnings=warnings)


@dataclass
class DecisionSummary:
    accepted: list[Proposal] = field(default_factory=list)
    skipped: list[tuple[Proposal, str]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "accepted": [p.pk for p in self.accepted],
            "skipped": [{"proposal": p.pk, "unit": p.unit_id, "reason": why} for p, why in self.skipped],
        }


def proposals_accept(*, actor: User, proposals: Iterable[Proposal]) -> DecisionSummary:
    """Write proposed results (one or many, one transaction); never over a person's or a changed result."""
    proposals = list(proposals)
    summary = DecisionSummary()
    if not proposals:
        return summary
    rounds = {p.record.round for p in proposals}
    if len(rounds) != 1:
        raise ValidationError("一次只能采纳同一轮测评的建议")
    rnd = rounds.pop()
    project = rnd.assessment.project
    permissions.require(actor, "project.record", project)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再修改")
    now = timezone.now()
    with transaction.atomic():
        locked = {
            r.pk: r
            for r in ResultRecord.objects.select_for_update(of=("self",)).filter(
                pk__in=[p.record_id for p in proposals]
            )
        }
        for proposal in Proposal.objects.select_for_update(of=("self",)).filter(
            pk__in=[p.pk for p in proposals]
        ):
            record = locked[proposal.record_id]
            if proposal.status != Proposal.Status.PENDING:
                summary.skipped.append((proposal, f"该建议{proposal.get_status_display()}"))
                continue
            if from_person(record):
                summary.skipped.append((proposal, f"已有人工录入的结果“{record.result}”，不覆盖"))
                continue
            if record.version != proposal.based_on_version:
                summary.skipped.append((proposal, "建议生成后该结果已被修改，不覆盖"))
                continue
            before = record.summary()
            ResultRecord.objects.filter(pk=record.pk).update(
                result=proposal.result,
                note=proposal.note,
                methods=METHODS,
                na_reason="",
                recorded_by=actor,
                recorded_at=now,
                version=record.version + 1,
                review=ResultRecord.Review.PENDING,
            )
            record.refresh_from_db()
            proposal.status = Proposal.Status.ACCEPTED
            proposal.applied_version = record.version
            proposal.decided_by = actor
            proposal.decided_at = now
            proposal.save(update_fields=["status", "applied_version", "decided_by", "decided_at"])
            audit.record(
                actor=actor,
                action="collection.proposal_accept",
                obj=record,
                before=before,
                after=record.summary(),
                details={
                    "source": "rule",
                    "proposal": proposal.pk,
                    "bundle": proposal.bundle_id,
                    "sha256": proposal.bundle.sha256,
                    "rules": [e["rule"] for e in proposal.evidence],
                },
                project=project,
            )
            summary.accepted.append(proposal)
    return summary


def proposal_reject(*, actor: User, proposal: Proposal, reason: str = "") -> Proposal:
    project = proposal.record.round.assessment.project
    permissions.require(actor, "project.record", project)
    with transaction.atomic():
        updated = Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.PENDING).update(
            status=Proposal.Status.REJECTED, decided_by=actor, decided_at=timezone.now()
        )
        if not updated:
            raise ValidationError("该建议已处理")
        proposal.refresh_from_db()
        audit.record(
            actor=actor,
            action="collection.proposal_reject",
            obj=proposal.record,
            details={"proposal": proposal.pk, "unit": proposal.unit_id, "reason": reason[:500]},
            project=project,
        )
    return proposal


def object_for_host(*, assessment, host: dict) -> AssessmentObject | None:
    """The assessment object a bundle's host is: by name (host name or FQDN) or by an address in IP/位置."""
    names = {str(host.get(k, "")).lower() for k in ("hostname", "fqdn")} - {""}
    addresses = {str(a) for a in host.get("addresses", []) if a}
    matches = []
    for obj in assessment.test_objects.all():
        tokens = {
            t for t in obj.location.replace("，", ",").replace(";", ",").replace(" ", ",").split(",") if t
        }
        if obj.name.lower() in names or addresses & tokens:
            matches.append(obj)
    return matches[0] if len(matches) == 1 else None


def bundles_import(*, actor: User, assessment, files: list[tuple[str, bytes]]) -> list[tuple[str, object]]:
    """Many bundles at once, each matched to its object by host; each import is its own transaction.

    Returns (filename, ImportSummary or the reason it was not imported) per file.
    """
    permissions.require(actor, "project.record", assessment.project)
    out: list[tuple[str, object]] = []
    for filename, data in files:
        try:
            host = read_any(filename, data).host
        except collect.BundleError as exc:
            out.append((filename, str(exc)))
            continue
        obj = object_for_host(assessment=assessment, host=host)
        if obj is None:
            out.append(
                (filename, f"找不到与主机 {host.get('hostname', '?')} 对应的测评对象（按名称或 IP 匹配）")
            )
            continue
        try:
            out.append((filename, bundle_import(actor=actor, obj=obj, data=data, filename=filename)))
        except ValidationError as exc:
            out.append((filename, "；".join(exc.messages)))
    return out
