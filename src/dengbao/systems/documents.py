"""From records to the plain data of core.filing (the documents: reports/documents/grading_report.py
and filing_form.py)."""

from __future__ import annotations

from dengbao.accounts.models import Organisation
from dengbao.core import filing as f

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
