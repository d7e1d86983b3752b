"""From records to the plain data of core.filing, and the grading documents of a project."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation

from dengbao.accounts import permissions
from dengbao.accounts.models import Organisation, Project, User
from dengbao.core import filing as f
from dengbao.core.documents import filing_form, grading_report
from dengbao.reports import services as report_services
from dengbao.reports.models import DocumentKind, GeneratedDocument
from dengbao.reports.selectors import active_template

from . import services
from .models import Grading, InformationSystem, UnitProfile

UNIT_PROFILE_FIELDS = [
    field.name
    for field in UnitProfile._meta.get_fields()
    if field.concrete and field.name not in ("id", "organisation")
]


def unit_data(organisation: Organisation) -> f.Unit:
    profile = UnitProfile.objects.filter(organisation=organisation).first()
    extra = {name: getattr(profile, name) for name in UNIT_PROFILE_FIELDS} if profile else {}
    counts: dict[int, int] = {}
    for system in organisation.systems.all():
        grading = system.current_grading
        level = grading.level if grading and grading.level else system.proposed_level
        if level:
            counts[level] = counts.get(level, 0) + 1
    return f.Unit(
        name=organisation.name,
        credit_code=organisation.credit_code,
        address=organisation.address,
        systems_per_level=counts,
        **extra,
    )


def system_data(system: InformationSystem) -> f.SystemProfile:
    return f.SystemProfile(
        name=system.name,
        code=system.code,
        business_type=system.business_type,
        business_description=system.description,
        service_scope=system.service_scope,
        service_audience=system.service_audience,
        deployment_scope=system.deployment_scope,
        network_nature=system.network_nature,
        interconnections=system.interconnections,
        technology_types=tuple(system.technology_types),
        go_live=system.go_live,
        parent_name=system.parent.name if system.parent_id else "",
        responsible_subject=system.responsible_subject,
        composition=system.composition,
        topology_image=system.topology.path if system.topology else "",
        carried_business=system.carried_business,
        carried_data=system.carried_data,
        security_responsibility=system.security_responsibility,
        data_categories=tuple(
            f.DataCategory(
                name=c.name,
                data_level=c.data_level,
                personal_info=c.personal_info,
                volume=c.volume,
                monthly_growth=c.monthly_growth,
                source=c.source,
                source_units=c.source_units,
                recipients=c.recipients,
                storage=c.storage,
                inside_china=c.inside_china,
            )
            for c in system.data_categories.all()
        ),
    )


def grading_data(grading: Grading) -> f.GradingRecord:
    result = services.compute(grading.system, grading.business_harms, grading.service_harms)
    return f.GradingRecord(
        grading=result,
        business_description=grading.business_description,
        service_description=grading.service_description,
        graded_on=grading.graded_on,
        expert_reviewed=bool(grading.review_date),
        expert_review_date=grading.review_date,
        competent_authority=grading.system.competent_authority,
        authority_approved=bool(grading.authority_date),
    )


def materials_data(system: InformationSystem, grading: Grading) -> f.Materials:
    return f.Materials(
        topology="定级对象拓扑结构图" if system.topology else "",
        grading_report=f"{system.name}定级报告",
        expert_review="专家评审意见表" if grading.review_date else "",
        authority_documents="主管部门核准意见" if grading.authority_date else "",
    )


class DocumentNotReady(ValidationError):
    """The records lack fields the document prints; ``missing`` lists them by their Chinese names."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(["生成前请补充：" + "、".join(missing)])


@dataclass(frozen=True)
class Made:
    document: GeneratedDocument
    content: bytes


def _graded(system: InformationSystem) -> Grading:
    grading = system.current_grading
    if grading is None or grading.level is None:
        raise DocumentNotReady([f"{system.name}：定级结果"])
    return grading


@translation.override("zh-hans")  # the official Chinese terms, whatever the UI language
def make_grading_report(*, actor: User | None, project: Project, system: InformationSystem) -> Made:
    if actor is not None:
        permissions.require(actor, "project.view_internal", project)
    grading = _graded(system)
    unit, profile, record = unit_data(system.organisation), system_data(system), grading_data(grading)
    missing = grading_report.missing_for_grading_report(unit, profile, record)
    if missing:
        raise DocumentNotReady(missing)
    template = active_template(organisation_id=getattr(actor, "organisation_id", None), kind="grading_report")
    content = grading_report.render_grading_report(unit, profile, record, template=template)
    document = report_services.document_store(
        actor=actor,
        project=project,
        system=system,
        kind=DocumentKind.GRADING_REPORT,
        filename=f"{system.code or system.pk}-定级报告.docx",
        content=content,
        template=template or grading_report.TEMPLATE,
    )
    return Made(document, content)


@translation.override("zh-hans")  # the official Chinese terms, whatever the UI language
def make_filing_form(
    *, actor: User | None, project: Project, system: InformationSystem, layout: str = "2025"
) -> Made:
    if actor is not None:
        permissions.require(actor, "project.view_internal", project)
    grading = _graded(system)
    unit = unit_data(system.organisation)
    filed = [(system_data(system), grading_data(grading), materials_data(system, grading))]
    missing = filing_form.missing_for_filing_form(unit, filed, layout=layout)
    if missing:
        raise DocumentNotReady(missing)
    filing = system.filings.order_by("-created_at").first()
    template = active_template(
        organisation_id=getattr(actor, "organisation_id", None), kind=f"filing_form_{layout}"
    )
    content = filing_form.render_filing_form(
        unit, filed, layout=layout, filed_on=filing.submitted_on if filing else None, template=template
    )
    suffix = "" if layout == "2025" else "-旧版"
    document = report_services.document_store(
        actor=actor,
        project=project,
        system=system,
        kind=DocumentKind.FILING_FORM,
        filename=f"{system.code or system.pk}-备案表{suffix}.docx",
        content=content,
        note="2025 版" if layout == "2025" else "旧版（表一至表四）",
        template=template or filing_form.TEMPLATE_FILES[layout],
    )
    return Made(document, content)


@translation.override("zh-hans")  # the official Chinese terms, whatever the UI language
def make_all(*, actor: User | None, project: Project) -> tuple[bytes, list[str]]:
    """Every system's 定级报告 and 备案表 as one zip; systems not ready are listed, not skipped silently."""
    if actor is not None:
        permissions.require(actor, "project.view_internal", project)
    buffer = io.BytesIO()
    problems: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for system in project.systems.order_by("code", "name"):
            for maker in (make_grading_report, make_filing_form):
                try:
                    made = maker(actor=actor, project=project, system=system)
                except DocumentNotReady as exc:
                    problems += [
                        f"{system.name}：{m}" if not m.startswith(system.name) else m for m in exc.missing
                    ]
                    continue
                archive.writestr(made.document.filename, made.content)
        stamp = dt.date.today().isoformat()
        if problems:
            archive.writestr("未生成-请补充.txt", "\n".join(problems) + "\n")
        archive.comment = f"dengbao {project.slug} {stamp}".encode()
    return buffer.getvalue(), problems
