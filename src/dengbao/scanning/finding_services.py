"""The findings lifecycle: transitions with their rules, comments, owners, SLA days, hand entry.

States and who may move a finding between them:

* open / reopened → confirmed, false positive, risk accepted, fixed pending verification;
* confirmed → false positive, risk accepted, fixed pending verification;
* fixed pending → verified fixed (provider side only) or reopened;
* verified fixed → reopened; false positive / risk accepted → open again.

Risk acceptance needs an expiry (at most a year ahead) and an approver who holds
``project.accept_risk`` (the client's contact or the project manager). A scan never
touches a false positive or an accepted risk; an expired acceptance returns to open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit
from dengbao.core.importers import dedup_key
from dengbao.core.importers.fields import cves
from dengbao.errors import Refused

from . import sla
from .finding_models import Finding, FindingEvent, Severity, State
from .import_run import index_cves
from .models import PenTest, SlaPolicy

ALLOWED: dict[str, frozenset[str]] = {
    State.OPEN: frozenset({State.CONFIRMED, State.FALSE_POSITIVE, State.RISK_ACCEPTED, State.FIXED_PENDING}),
    State.REOPENED: frozenset(
        {State.CONFIRMED, State.FALSE_POSITIVE, State.RISK_ACCEPTED, State.FIXED_PENDING}
    ),
    State.CONFIRMED: frozenset({State.FALSE_POSITIVE, State.RISK_ACCEPTED, State.FIXED_PENDING}),
    State.FIXED_PENDING: frozenset({State.VERIFIED_FIXED, State.REOPENED}),
    State.VERIFIED_FIXED: frozenset({State.REOPENED}),
    State.FALSE_POSITIVE: frozenset({State.OPEN}),
    State.RISK_ACCEPTED: frozenset({State.OPEN}),
}
MAX_ACCEPTANCE_DAYS = 366


def can_move(user: User, finding: Finding, to: str) -> bool:
    """Whether ``user`` may ask for this transition (the approver rule of risk acceptance aside)."""
    project = finding.project
    if to == State.FIXED_PENDING:
        return permissions.can(user, "project.record", project) or permissions.can(
            user, "project.upload_remediation", project
        )
    if to == State.RISK_ACCEPTED:
        return permissions.can(user, "project.record", project) or permissions.can(
            user, "project.accept_risk", project
        )
    return permissions.can(user, "project.record", project)


def _check(actor: User, finding: Finding, to: str, *, until: dt.date | None, approver: User | None) -> None:
    if to not in State.values:
        raise ValidationError(f"未知的状态“{to}”")
    if to not in ALLOWED[finding.state]:
        raise ValidationError(f"不能从“{State(finding.state).label}”变为“{State(to).label}”")
    if not can_move(actor, finding, to):
        permissions.require(actor, "project.record", finding.project)  # audits the denial, raises
    if to == State.RISK_ACCEPTED:
        if until is None:
            raise ValidationError("接受风险须填写有效期")
        today = timezone.localdate()
        if until <= today:
            raise ValidationError("接受风险的有效期须晚于今天")
        if (until - today).days > MAX_ACCEPTANCE_DAYS:
            raise ValidationError("接受风险的有效期最长一年，到期后须重新评估")
        approver = approver or actor
        if not permissions.can(approver, "project.accept_risk", finding.project):
            audit.record(
                actor=actor,
                action="permission.denied",
                obj=finding,
                outcome="denied",
                details={"wanted": "project.accept_risk", "approver": approver.pk},
                project=finding.project,
            )
            raise Refused("接受风险须由客户联系人或项目经理审批")


def _apply(
    actor: User, finding: Finding, to: str, note: str, until, approver, now
) -> tuple[FindingEvent, dict]:
    before = finding.summary()
    from_state = finding.state
    finding.state = to
    if to == State.RISK_ACCEPTED:
        finding.risk_accepted_until, finding.risk_accepted_by = until, approver or actor
    elif from_state == State.RISK_ACCEPTED:
        finding.risk_accepted_until, finding.risk_accepted_by = None, None
    if to in (State.FIXED_PENDING, State.VERIFIED_FIXED):
        finding.closed_at = finding.closed_at or now
    elif to in (State.OPEN, State.REOPENED, State.CONFIRMED):
        finding.closed_at = None
    finding.updated_at = now
    finding.save(
        update_fields=["state", "risk_accepted_until", "risk_accepted_by", "closed_at", "updated_at"]
    )
    event = FindingEvent.objects.create(
        finding=finding, kind=FindingEvent.Kind.STATE, from_state=from_state, to_state=to,
        text=note.strip()[:2000], actor=actor, at=now,
    )  # fmt: skip
    return event, before


def finding_transition(
    *,
    actor: User,
    finding: Finding,
    to: str,
    note: str = "",
    until: dt.date | None = None,
    approver: User | None = None,
) -> Finding:
    permissions.require(actor, "project.view", finding.project)
    _check(actor, finding, to, until=until, approver=approver)
    with transaction.atomic():
        locked = Finding.objects.select_for_update(of=("self",)).select_related("project").get(pk=finding.pk)
        _check(actor, locked, to, until=until, approver=approver)
        _event, before = _apply(actor, locked, to, note, until, approver, timezone.now())
        audit.record(
            actor=actor,
            action="finding.transition",
            obj=locked,
            before=before,
            after=locked.summary(),
            details={"note": note[:200]},
            project=locked.project,
        )
    return locked


def finding_bulk_transition(
    *,
    actor: User,
    project: Project,
    finding_ids: Iterable[int],
    to: str,
    note: str = "",
    until: dt.date | None = None,
) -> tuple[int, list[str]]:
    """Move each chosen finding that may move; returns (moved, reasons for the others). Audited once."""
    permissions.require(actor, "project.view", project)
    ids = sorted({int(i) for i in finding_ids})
    if not ids:
        raise ValidationError("请先选择漏洞")
    moved: list[int] = []
    skipped: list[str] = []
    now = timezone.now()
    with transaction.atomic():
        rows = Finding.objects.select_for_update(of=("self",)).select_related("project")
        for finding in rows.filter(project=project, pk__in=ids).order_by("pk"):
            try:
                _check(actor, finding, to, until=until, approver=None)
            except (ValidationError, PermissionDenied) as exc:
                text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                skipped.append(f"#{finding.pk}：{text}")
                continue
            _apply(actor, finding, to, note, until, None, now)
            moved.append(finding.pk)
        if moved:
            audit.record(
                actor=actor,
                action="finding.bulk_transition",
                obj=project,
                details={"to": to, "findings": moved, "note": note[:200]},
                project=project,
            )
    return len(moved), skipped


def finding_comment(*, actor: User, finding: Finding, text: str) -> FindingEvent:
    permissions.require(actor, "project.view", finding.project)
    text = text.strip()
    if not text:
        raise ValidationError("评论内容为空")
    with transaction.atomic():
        event = FindingEvent.objects.create(
            finding=finding, kind=FindingEvent.Kind.COMMENT, text=text[:4000], actor=actor
        )
        audit.record(
            actor=actor, action="finding.comment", obj=finding, details={"text": text[:200]},
            project=finding.project,
        )  # fmt: skip
    return event


def finding_assign(*, actor: User, finding: Finding, owner: User | None) -> Finding:
    permissions.require(actor, "project.record", finding.project)
    if owner is not None and permissions.project_role(owner, finding.project) is None:
        raise ValidationError("负责人须是本项目成员")
    with transaction.atomic():
        before = finding.owner_id
        finding.owner = owner
        finding.updated_at = timezone.now()
        finding.save(update_fields=["owner", "updated_at"])
        FindingEvent.objects.create(
            finding=finding, kind=FindingEvent.Kind.OWNER, actor=actor,
            text=owner.get_full_name() or owner.username if owner else "",
        )  # fmt: skip
        audit.record(
            actor=actor, action="finding.assign", obj=finding, before={"owner": before},
            after={"owner": finding.owner_id}, project=finding.project,
        )  # fmt: skip
    return finding


def acceptances_expire(*, project: Project | None = None, now: dt.datetime | None = None) -> int:
    """Accepted risks past their expiry return to open (run before every import and daily)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = Finding.objects.filter(state=State.RISK_ACCEPTED, risk_accepted_until__lt=today)
    if project is not None:
        rows = rows.filter(project=project)
    expired = list(rows.values_list("pk", "project_id"))
    if not expired:
        return 0
    with transaction.atomic():
        ids = [pk for pk, _p in expired]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            Finding.objects.filter(pk__in=chunk).update(
                state=State.OPEN, risk_accepted_until=None, risk_accepted_by=None, updated_at=now
            )
            FindingEvent.objects.bulk_create(
                [
                    FindingEvent(
                        finding_id=pk, kind=FindingEvent.Kind.STATE, from_state=State.RISK_ACCEPTED,
                        to_state=State.OPEN, text="接受风险已到期", at=now,
                    )
                    for pk in chunk
                ]
            )  # fmt: skip
        for project_id in sorted({p for _pk, p in expired}):
            audit.record(
                actor=None,
                action="finding.acceptance_expired",
                details={"findings": [pk for pk, p in expired if p == project_id]},
                project=Project(pk=project_id),
                actor_name="system",
            )
    return len(expired)


def sla_set(*, actor: User, project: Project, days: dict[str, int], warn_days: int = 7) -> SlaPolicy:
    """Set the days per severity and recompute every finding's due date from its first sighting."""
    permissions.require(actor, "project.edit", project)
    names = {"严重": "critical_days", "高": "high_days", "中": "medium_days", "低": "low_days"}
    for severity, value in days.items():
        if severity not in names or not (1 <= int(value) <= 3650):
            raise ValidationError(f"{severity} 的整改天数须在 1 到 3650 之间")
    if not (0 <= warn_days <= 90):
        raise ValidationError("提前预警天数须在 0 到 90 之间")
    with transaction.atomic():
        policy, _created = SlaPolicy.objects.select_for_update().get_or_create(project=project)
        before = policy.days()
        for severity, value in days.items():
            setattr(policy, names[severity], int(value))
        policy.warn_days, policy.updated_by, policy.updated_at = warn_days, actor, timezone.now()
        policy.save()
        table = policy.days()
        rows = []
        for finding in (
            Finding.objects.filter(project=project)
            .only("pk", "first_seen", "severity")
            .iterator(chunk_size=2000)
        ):
            finding.sla_due = sla.due(finding.first_seen, finding.severity, table)
            rows.append(finding)
            if len(rows) >= 1000:
                Finding.objects.bulk_update(rows, ["sla_due"], batch_size=200)
                rows = []
        if rows:
            Finding.objects.bulk_update(rows, ["sla_due"], batch_size=200)
        audit.record(
            actor=actor, action="finding.sla_set", obj=policy, before=before, after=table, project=project
        )
    return policy


def finding_create(
    *,
    actor: User,
    project: Project,
    title: str,
    severity: str,
    pentest: PenTest | None = None,
    system=None,
    host: str = "",
    port: int | None = None,
    url: str = "",
    parameter: str = "",
    description: str = "",
    steps: str = "",
    evidence: str = "",
    solution: str = "",
    cve: str = "",
    cvss_score: float | None = None,
    exploitable: bool = False,
) -> Finding:
    """A finding entered by hand — a penetration tester's, with steps to reproduce and evidence."""
    permissions.require(actor, "project.record", project)
    title = title.strip()
    if not title:
        raise ValidationError("请填写漏洞标题")
    if severity not in Severity.values:
        raise ValidationError("请选择严重程度")
    if not (host.strip() or url.strip()):
        raise ValidationError("请填写受影响的主机或网址")
    if pentest is not None and pentest.project_id != project.pk:
        raise ValidationError("所选渗透测试不属于本项目")
    if port is not None and not (0 < port <= 65535):
        raise ValidationError("端口须在 1 到 65535 之间")
    tool = "pentest" if pentest else "manual"
    key = dedup_key(tool, title, host.strip().lower(), port, url.strip(), parameter.strip())
    if Finding.objects.filter(project=project, tool=tool, dedup_key=key).exists():
        raise ValidationError("同一位置已登记过同名漏洞")
    now = timezone.now()
    with transaction.atomic():
        finding = Finding.objects.create(
            project=project, system=system or (pentest.system if pentest else None), pentest=pentest,
            tool=tool, dedup_key=key, title=title[:500], severity=severity, raw_severity=severity,
            host=host.strip()[:255], port=port, protocol="tcp" if port else "", url=url.strip(),
            parameter=parameter.strip()[:200], description=description, steps=steps, evidence=evidence,
            solution=solution, cve=" ".join(cves(cve)), cvss_score=cvss_score, exploitable=exploitable,
            first_seen=now, last_seen=now, sla_due=sla.due(now, severity, sla.days_for(project)),
            created_by=actor, updated_at=now,
        )  # fmt: skip
        index_cves(finding)
        audit.record(
            actor=actor, action="finding.create", obj=finding,
            after={"title": finding.title, "severity": severity, "place": finding.place}, project=project,
        )  # fmt: skip
    return finding
