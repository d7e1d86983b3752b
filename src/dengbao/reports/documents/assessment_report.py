"""等级测评报告 (网络安全等级测评报告) of one system, from an assessment round's records."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.assessments.models import Assessment, Round
from dengbao.assessments.selectors import round_score, system_scope
from dengbao.core.catalogue import default as catalogue
from dengbao.core.catalogue.vocab import PARTS
from dengbao.core.documents import assessment_report as ar
from dengbao.core.documents import assessment_report_template
from dengbao.core.documents.report_number import report_number
from dengbao.core.scoring_schemes import scheme_date_problem
from dengbao.systems.models import InformationSystem

from .base import PDF, SYSTEM, DocumentKind, DocumentNotReady, Draft, ready


def assessment_for(system: InformationSystem) -> Assessment | None:
    """The assessment that covers ``system`` (the newest when several do)."""
    return system.assessments.order_by("-created_at").first()


def report_input(
    *, actor: User, assessment: Assessment, system: InformationSystem, rnd: Round
) -> ar.ReportInput:
    """Everything the report prints, read from the records under the actor's permission.

    A report belongs to one 定级对象: of a combined assessment it takes only the objects serving
    ``system`` (its own and the shared ones), the items of the system's own grade, the problems
    and 重大风险隐患 found on those, and the scan findings of the system's hosts.
    """
    project = assessment.project
    permissions.require(actor, "project.view_internal", project)
    scope = system_scope(assessment, system)
    score = round_score(actor=actor, rnd=rnd, scope=scope)
    objects = list(assessment.test_objects.filter(pk__in=scope.object_ids).order_by("kind", "name"))
    names = {o.pk: o.name for o in objects}
    results = [
        ar.ResultEntry(obj=names[obj_id], unit=unit, result=result or "未记录", note=note)
        for obj_id, unit, result, note in scope.results(rnd)
        .values_list("obj_id", "unit_id", "result", "note")
        .iterator(chunk_size=5000)
    ]
    problems = [
        ar.ProblemEntry(
            unit=p.unit_id,
            title=p.title,
            description=p.description,
            risk=p.risk,
            objects=tuple(o.name for o in p.test_objects.all() if o.pk in scope.object_ids),
            remediation=p.remediation,
            status=p.get_status_display(),
            case_id=p.high_risk_case,
            case_title=_case_title(p.high_risk_case),
            case_status=p.case_status,
            case_reason=p.case_reason,
        )
        for p in scope.problems(rnd.problems.all()).prefetch_related("test_objects").order_by("unit_id", "pk")
    ]
    majors = [
        ar.MajorRiskEntry(
            title=m.title,
            description=m.description,
            fixed=m.fixed,
            problems=tuple(p.title for p in m.problems.all()),
        )
        for m in scope.major_risks(rnd.major_risks.all()).prefetch_related("problems").order_by("pk")
    ]
    people = _people(rnd)
    filing = system.filings.order_by("-created_at").first()
    certificate = filing.certificate_number if filing else ""
    today = assessment.report_date or timezone.localdate()
    agency = _agency(project.provider)
    unit = getattr(project.client, "unit_profile", None)
    signed_off = today if rnd.finalised_at else None
    return ar.ReportInput(
        report_number=report_number(
            filing=certificate or system.code or str(system.pk),
            day=today,
            seq=rnd.number,
            agency_code=agency.code,
            pattern=getattr(getattr(project.provider, "agency_profile", None), "report_number_pattern", ""),
        ),
        report_date=today,
        agency=agency,
        client=ar.Party(
            name=project.client.name,
            address=project.client.address,
            contact=" ".join(v for v in (unit.contact_name, unit.contact_title) if v) if unit else "",
            phone=(unit.contact_phone or unit.contact_mobile) if unit else "",
            email=unit.contact_email if unit else "",
        ),
        certificate_number=certificate,
        approver=_manager(project) if rnd.finalised_at else "",
        reviewed_on=signed_off if people["reviewer"] else None,
        approved_on=signed_off,
        system_name=system.name,
        system_code=system.code,
        level=scope.level,
        sa=scope.sa,
        system_description=system.description,
        assessment_name=assessment.name,
        round_label=rnd.label,
        started=timezone.localdate(rnd.started_at),
        finished=timezone.localdate(rnd.finalised_at) if rnd.finalised_at else None,
        score=score,
        objects=[
            ar.TestObject(
                kind=o.kind,
                name=o.name,
                model_version=o.model_version,
                location=o.location,
                importance=o.get_importance_display(),
                note=o.note,
            )
            for o in objects
        ],
        results=results,
        problems=problems,
        major_risks=majors,
        scan_findings=_scan_findings(assessment, system),
        scan_runs=_scan_runs(assessment, system),
        scan_waiver=next(iter(rnd.waivers.filter(system=system).values_list("reason", flat=True)), ""),
        assessors=people["assessors"],
        reviewer=people["reviewer"],
        extensions=[PARTS[e][1] for e in scope.extensions if e in PARTS],
    )


def prepare(
    *,
    actor: User,
    project: Project,
    system: InformationSystem,
    assessment: Assessment | None = None,
    round_number: int | None = None,
    pdf: bool = False,
) -> Draft:
    """The report of the assessment's latest round (or ``round_number``), with the figures it
    printed kept with the version (what a signature signs)."""
    if not project.systems.filter(pk=system.pk).exists():
        raise Http404("system not found")
    assessment = assessment or assessment_for(system)
    if assessment is None or not assessment.systems.filter(pk=system.pk).exists():
        raise DocumentNotReady([f"{system.name}：等级测评（尚未建立包含该系统的测评）"])
    rnd = assessment.rounds.order_by("-number").first()
    if round_number is not None:
        rnd = assessment.rounds.filter(number=round_number).first()
        if rnd is None:
            raise Http404("round not found")
    report_date = assessment.report_date or timezone.localdate()
    dated = scheme_date_problem(assessment.scheme, report_date, assessment.scheme_reason)
    if dated:
        raise DocumentNotReady([f"{system.name}：{dated}"])
    data = report_input(actor=actor, assessment=assessment, system=system, rnd=rnd)
    ready(ar.missing_for_report(data), prefix=f"{system.name}：")
    return Draft(
        data=data,
        filename=f"{system.code or system.pk}-等级测评报告{'' if rnd.finalised_at else '（草稿）'}.docx",
        system=system,
        note=rnd.label,
        assessment=assessment,
        round_number=rnd.number,
        stored=ar.summary(data),
        pdf=pdf,
    )


def render(data: ar.ReportInput, *, template=None) -> bytes:
    return ar.render_assessment_report(data, catalogue(), template=template)


KIND = DocumentKind(
    name="assessment_report",
    label=_("等级测评报告"),
    prepare=prepare,
    render=render,
    params=(SYSTEM, PDF),
    steps=2,
    templates=assessment_report_template.TEMPLATES,
    order=30,
)


def _scan_findings(assessment: Assessment, system: InformationSystem) -> list[ar.ScanEntry]:
    """附录E: the vulnerabilities found on the system's hosts that still stand (not false positives,
    not verified fixed), worst first."""
    from dengbao.scanning.finding_models import Finding, State

    rank = {"严重": 0, "高": 1, "中": 2, "低": 3, "信息": 4}
    rows = (
        Finding.objects.filter(project=assessment.project, system=system)
        .exclude(state__in=[State.FALSE_POSITIVE, State.VERIFIED_FIXED])
        .values_list("host", "port", "protocol", "url", "title", "severity", "cve", "solution")
    )
    entries = [
        ar.ScanEntry(
            host=url or host,
            port=f"{port}/{protocol or 'tcp'}" if port else "—",
            title=title,
            severity=severity,
            cve=cve.replace(" ", ", ") or "—",
            solution=solution or "—",
        )
        for host, port, protocol, url, title, severity, cve, solution in rows
    ]
    return sorted(entries, key=lambda e: (rank.get(e.severity, 9), e.host, e.port, e.title))


def _scan_runs(assessment: Assessment, system: InformationSystem) -> list[ar.ScanRun]:
    """3.x 漏洞扫描与渗透测试: each scan imported for the system (tool, version and time as the
    scanner's file states them, the scope of the signed authorisation) and each pen-test record."""
    from dengbao.core.documents import scan_runs
    from dengbao.core.documents.common import cn_date
    from dengbao.scanning.finding_models import Finding, FindingInstance
    from dengbao.scanning.models import Authorisation, Import, PenTest

    project = assessment.project

    def scope(auth: Authorisation | None, hosts: int | None = None) -> str:
        parts = [f"文件含 {hosts} 台主机"] if hosts else []
        if auth is not None:
            targets = [*auth.cidrs, *auth.hosts, *auth.urls]
            parts.append(f"授权书《{auth.title}》范围：{'、'.join(targets) or '—'}，端口 {auth.ports or '—'}")
        return "；".join(parts)

    def authorisation_at(day) -> Authorisation | None:
        return (
            project.authorisations.filter(signed_on__lte=day, revoked_at__isnull=True)
            .order_by("-signed_on", "-pk")
            .first()
        )

    runs = []
    for imp in Import.objects.filter(project=project, system=system, pentest__isnull=True).order_by(
        "created_at", "pk"
    ):
        rules = scan_runs.INFO_RULES.get(imp.fmt, ())
        outputs = [
            *FindingInstance.objects.filter(source_import=imp, finding__rule_id__in=rules).values_list(
                "evidence", flat=True
            ),
            *Finding.objects.filter(Q(first_import=imp) | Q(last_import=imp), rule_id__in=rules).values_list(
                "evidence", flat=True
            ),
        ]
        info = scan_runs.run_info(outputs)
        auth = imp.scan.authorisation if imp.scan_id and imp.scan.authorisation_id else None
        runs.append(
            ar.ScanRun(
                kind="漏洞扫描",
                tool=scan_runs.tool_name(imp.fmt),
                version=info.version,
                started=scan_runs.cn_minute(info.started),
                finished=scan_runs.cn_minute(info.finished),
                scope=scope(auth or authorisation_at(timezone.localdate(imp.created_at)), imp.hosts),
                source=imp.filename,
            )
        )
    for test in PenTest.objects.filter(project=project, system=system).select_related("authorisation"):
        runs.append(
            ar.ScanRun(
                kind="渗透测试",
                tool=f"人工渗透测试（{test.testers}）" if test.testers else "人工渗透测试",
                started=cn_date(test.started_on),
                finished=cn_date(test.ended_on, blank=""),
                scope=scope(test.authorisation),
                source=test.title,
            )
        )
    return runs


def _agency(provider) -> ar.Party:
    profile = getattr(provider, "agency_profile", None)
    return ar.Party(
        name=provider.name,
        address=provider.address,
        contact=profile.contact_name if profile else "",
        phone=profile.contact_phone if profile else "",
        email=profile.contact_email if profile else "",
        code=profile.agency_code if profile else "",
    )


def _manager(project: Project) -> str:
    """批准人: the project's manager (项目经理) on the provider side."""
    member = (
        project.memberships.filter(role="manager", user__organisation_id=project.provider_id)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return (member.user.display_name or member.user.username) if member else ""


def _case_title(case_id: str) -> str:
    if not case_id:
        return ""
    case = next((c for c in catalogue().high_risk if c.id == case_id), None)
    return case.title if case else ""


def _people(rnd: Round) -> dict:
    """Who recorded the results (most results first) and who reviewed most of them."""

    def display(values: list[tuple]) -> list[str]:
        return [(d or u) for u, d, _n in values if u]

    recorded = list(
        rnd.results.exclude(recorded_by=None)
        .values_list("recorded_by__username", "recorded_by__display_name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    reviewed = list(
        rnd.results.exclude(reviewed_by=None)
        .values_list("reviewed_by__username", "reviewed_by__display_name")
        .annotate(n=Count("id"))
        .order_by("-n")[:1]
    )
    return {"assessors": display(recorded)[:6], "reviewer": (display(reviewed) or [""])[0]}
