"""Writes for systems, their grading workflow and filing. Every write is authorised and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Organisation, Project, User
from dengbao.audit import services as audit
from dengbao.core import grading as core_grading
from dengbao.core import grading_workflow as wf

from .models import DataCategory, Filing, Grading, InformationSystem, UnitProfile

SYSTEM_FIELDS = (
    "name", "code", "description", "department", "contact_name", "contact_phone", "business_type",
    "service_scope", "service_audience", "deployment_scope", "network_nature", "interconnections",
    "technology_types", "go_live",
    "competent_authority", "responsible_subject", "composition", "carried_business", "carried_data",
    "security_responsibility", "is_support_platform", "big_data_with_personal_info", "sector_minimum_level",
    "sector_rule", "parent",
)  # fmt: skip


def _check_in_project(system: InformationSystem, project: Project) -> None:
    if not system.projects.filter(pk=project.pk).exists():
        raise ValidationError("该定级对象不属于本项目")


def system_create(
    *,
    actor: User | None,
    organisation: Organisation,
    project: Project | None = None,
    name: str,
    code: str = "",
    proposed_level: int | None = None,
    description: str = "",
    **fields: Any,
) -> InformationSystem:
    if actor is not None and project is not None:
        permissions.require(actor, "project.edit", project)
    unknown = set(fields) - set(SYSTEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown system fields: {sorted(unknown)}")
    with transaction.atomic():
        system = InformationSystem.objects.create(
            organisation=organisation,
            name=name,
            code=code,
            proposed_level=proposed_level,
            description=description,
            **fields,
        )
        if project is not None:
            system.projects.add(project)
        audit.record(
            actor=actor,
            action="system.create",
            obj=system,
            after={"name": name, "code": code, "proposed_level": proposed_level},
            project=project,
        )
    return system


def system_update(
    *, actor: User, project: Project, system: InformationSystem, **fields: Any
) -> InformationSystem:
    permissions.require(actor, "project.edit", project)
    _check_in_project(system, project)
    unknown = set(fields) - set(SYSTEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown system fields: {sorted(unknown)}")
    before = {k: str(getattr(system, k)) for k in fields}
    for key, value in fields.items():
        setattr(system, key, value)
    with transaction.atomic():
        system.save()
        after = {k: str(getattr(system, k)) for k in fields}
        changed = {k for k in fields if before[k] != after[k]}
        audit.record(
            actor=actor,
            action="system.update",
            obj=system,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            project=project,
        )
    return system


def system_set_topology(
    *, actor: User, project: Project, system: InformationSystem, upload: UploadedFile
) -> None:
    permissions.require(actor, "project.edit", project)
    _check_in_project(system, project)
    if not (upload.content_type or "").startswith("image/"):
        raise ValidationError("拓扑图须为图片文件（PNG、JPEG）")
    with transaction.atomic():
        system.topology.save(upload.name, upload, save=True)
        audit.record(
            actor=actor, action="system.topology", obj=system, details={"file": upload.name}, project=project
        )


def data_category_save(
    *,
    actor: User,
    project: Project,
    system: InformationSystem,
    category: DataCategory | None = None,
    **fields: Any,
) -> DataCategory:
    permissions.require(actor, "project.edit", project)
    _check_in_project(system, project)
    with transaction.atomic():
        if category is None:
            category = DataCategory.objects.create(system=system, **fields)
            action = "system.data_category_add"
        else:
            for key, value in fields.items():
                setattr(category, key, value)
            category.save()
            action = "system.data_category_update"
        audit.record(
            actor=actor, action=action, obj=system, after={"category": category.name}, project=project
        )
    return category


# --- Grading ----------------------------------------------------------------


def _harms(raw: list[dict[str, str]]) -> list[core_grading.Harm]:
    return [
        core_grading.Harm(
            core_grading.parse_object(h["object"]),
            core_grading.parse_degree(h["degree"]),
            h.get("justification", ""),
        )
        for h in raw
    ]


def grading_context(system: InformationSystem) -> core_grading.Context:
    carried = [
        g.level
        for child in system.children.all()
        for g in [child.current_grading]
        if g is not None and g.level is not None
    ]
    return core_grading.Context(
        is_support_platform=system.is_support_platform,
        carried_levels=tuple(carried),
        big_data_with_personal_info=system.big_data_with_personal_info,
        sector_minimum=system.sector_minimum_level,
        sector_rule=system.sector_rule,
    )


def compute(system: InformationSystem, business: list[dict], service: list[dict]) -> core_grading.Grading:
    """The grading for these harms; raises GradingError naming bad input."""
    return core_grading.grade(_harms(business), _harms(service), grading_context(system))


def grading_save_draft(
    *,
    actor: User,
    project: Project,
    system: InformationSystem,
    business_harms: list[dict[str, str]],
    service_harms: list[dict[str, str]],
    business_description: str = "",
    service_description: str = "",
) -> Grading:
    """Create or update the system's draft grading. Only a grading in 草拟 can be edited."""
    permissions.require(actor, "project.record", project)
    _check_in_project(system, project)
    result = compute(system, business_harms, service_harms)
    with transaction.atomic():
        grading = system.gradings.select_for_update().order_by("-version").first()
        if grading is not None and grading.state not in (wf.State.DRAFT, wf.State.SUPERSEDED):
            raise ValidationError(
                f"当前定级处于“{grading.get_state_display()}”，不能修改；如业务或服务范围变化，请发起等级变更"
            )
        if grading is None or grading.state == wf.State.SUPERSEDED:
            version = grading.version + 1 if grading else 1
            grading = Grading(system=system, project=project, version=version)
        before = {"sa": grading.sa, "level": grading.level} if grading.pk else None
        grading.business_harms = business_harms
        grading.service_harms = service_harms
        grading.business_description = business_description
        grading.service_description = service_description
        grading.business_level = result.business.level
        grading.service_level = result.service.level
        grading.level = result.level
        grading.sa = result.sa
        grading.warnings = list(result.warnings)
        grading.updated_at = timezone.now()
        grading.save()
        audit.record(
            actor=actor,
            action="grading.save",
            obj=grading,
            before=before,
            after={"sa": grading.sa, "level": grading.level, "warnings": grading.warnings},
            project=project,
        )
    return grading


def _facts(grading: Grading) -> wf.Facts:
    return wf.Facts(
        level=grading.level,
        has_competent_authority=bool(grading.system.competent_authority),
        review_recorded=bool(
            grading.review_date and grading.review_experts and grading.review_opinion.strip()
        ),
        authority_recorded=bool(grading.authority_date and grading.authority_opinion.strip()),
        police_recorded=bool(grading.police_bureau and grading.police_date),
        police_opinion=grading.police_opinion,
    )


def transition_options(grading: Grading) -> list[tuple[wf.State, list[str]]]:
    """Every next state of the workflow with the reasons it is not yet possible (empty: possible)."""
    current = wf.State(grading.state)
    facts = _facts(grading)
    return [(target, wf.problems(current, target, facts)) for target in wf.next_states(current)]


def grading_record_step(*, actor: User, project: Project, grading: Grading, **fields: Any) -> Grading:
    """Record the expert review, the authority's approval or the police review on a grading."""
    allowed = {
        "review_date", "review_experts", "review_opinion", "authority_date", "authority_opinion",
        "police_bureau", "police_date", "police_opinion",
    }  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    permissions.require(actor, "project.edit", project)
    if grading.project_id != project.pk:
        raise ValidationError("该定级不属于本项目")
    with transaction.atomic():
        grading = Grading.objects.select_for_update().get(pk=grading.pk)  # never save a stale copy
        if grading.state in (wf.State.GRADED, wf.State.SUPERSEDED):
            raise ValidationError("已定级或已变更的定级不能再修改")
        before = {k: str(getattr(grading, k)) for k in fields}
        for key, value in fields.items():
            setattr(grading, key, value)
        grading.updated_at = timezone.now()
        grading.save()
        audit.record(
            actor=actor,
            action="grading.record",
            obj=grading,
            before=before,
            after={k: str(v) for k, v in fields.items()},
            project=project,
        )
    return grading


def grading_attach_review_form(
    *, actor: User, project: Project, grading: Grading, upload: UploadedFile
) -> None:
    permissions.require(actor, "project.edit", project)
    if grading.project_id != project.pk:
        raise ValidationError("该定级不属于本项目")
    with transaction.atomic():
        grading.review_form.save(upload.name, upload, save=True)
        audit.record(
            actor=actor,
            action="grading.review_form",
            obj=grading,
            details={"file": upload.name},
            project=project,
        )


def grading_transition(
    *, actor: User, project: Project, grading: Grading, target: wf.State, today: dt.date | None = None
) -> Grading:
    """Move a grading along the workflow; refused with the reasons when a step is missing."""
    permissions.require(actor, "project.edit", project)
    if grading.project_id != project.pk:
        raise ValidationError("该定级不属于本项目")
    with transaction.atomic():
        grading = Grading.objects.select_for_update().select_related("system").get(pk=grading.pk)
        current = wf.State(grading.state)
        reasons = wf.problems(current, target, _facts(grading))
        if not reasons:
            grading.state = target.value
            if target is wf.State.GRADED:
                # the level stands from the public security bureau's review (else, self-determined
                # at level 1, from the day it is confirmed); correctable with grading_set_date
                grading.graded_on = grading.police_date or today or timezone.localdate()
                InformationSystem.objects.filter(pk=grading.system_id).update(proposed_level=grading.level)
            grading.updated_at = timezone.now()
            grading.save()
            audit.record(
                actor=actor,
                action="grading.transition",
                obj=grading,
                before={"state": current.value},
                after={"state": target.value, "sa": grading.sa},
                project=project,
            )
    if reasons:  # audited outside the transaction, so the refusal itself is kept
        audit.record(
            actor=actor,
            action="grading.transition",
            obj=grading,
            outcome="refused",
            details={"from": current.value, "to": target.value, "reasons": reasons},
            project=project,
        )
        raise ValidationError(reasons)
    return grading


def grading_set_date(*, actor: User, project: Project, grading: Grading, on: dt.date | None) -> Grading:
    """Correct a graded grading's 定级日期 (e.g. to the date on the 公安 review, when it differs)."""
    permissions.require(actor, "project.edit", project)
    if grading.project_id != project.pk:
        raise ValidationError("该定级不属于本项目")
    if grading.state != wf.State.GRADED:
        raise ValidationError("只有已定级的定级才有定级日期")
    if on is None:
        raise ValidationError("请填写定级日期")
    if on > timezone.localdate():
        raise ValidationError("定级日期不能晚于今天")
    if grading.review_date and on < grading.review_date:
        raise ValidationError(f"定级日期不能早于专家评审日期 {grading.review_date}")
    before = grading.graded_on
    with transaction.atomic():
        grading.graded_on = on
        grading.save(update_fields=["graded_on"])
        audit.record(
            actor=actor,
            action="grading.date",
            obj=grading,
            before={"graded_on": str(before or "")},
            after={"graded_on": str(on)},
            project=project,
        )
    return grading


def grading_change(*, actor: User, project: Project, grading: Grading, reason: str) -> Grading:
    """等级变更: a graded system's business or service scope changed; start a new draft version."""
    permissions.require(actor, "project.edit", project)
    if not reason.strip():
        raise ValidationError("请说明变更原因（业务信息或系统服务范围的变化）")
    with transaction.atomic():
        grading = Grading.objects.select_for_update().select_related("system").get(pk=grading.pk)
        if grading.state != wf.State.GRADED:
            raise ValidationError("只有已定级的定级对象才能发起等级变更")
        grading.state = wf.State.SUPERSEDED.value
        grading.save(update_fields=["state"])
        new = Grading.objects.create(
            system=grading.system,
            project=project,
            version=grading.version + 1,
            business_harms=grading.business_harms,
            service_harms=grading.service_harms,
            business_description=grading.business_description,
            service_description=grading.service_description,
            business_level=grading.business_level,
            service_level=grading.service_level,
            level=grading.level,
            sa=grading.sa,
            warnings=grading.warnings,
            reason_for_change=reason.strip(),
        )
        audit.record(
            actor=actor,
            action="grading.change",
            obj=new,
            before={"version": grading.version},
            after={"version": new.version, "reason": reason.strip()},
            project=project,
        )
    return new


# --- Filing -------------------------------------------------------------------


def filing_record(
    *, actor: User, project: Project, system: InformationSystem, filing: Filing | None = None, **fields: Any
) -> Filing:
    permissions.require(actor, "project.edit", project)
    _check_in_project(system, project)
    allowed = {
        "bureau", "submitted_on", "accepted_on", "certificate_number", "certificate_issued_on",
        "assessments_completed", "grading", "form_edition",
    }  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        if filing is None:
            filing = Filing.objects.create(system=system, **fields)
            action = "filing.create"
        else:
            for key, value in fields.items():
                setattr(filing, key, value)
            filing.save()
            action = "filing.update"
        audit.record(
            actor=actor,
            action=action,
            obj=filing,
            after={k: str(v) for k, v in fields.items()},
            project=project,
        )
    return filing


UNIT_FIELDS = (
    "province", "prefecture", "county", "postcode", "region_code", "head_name", "head_title", "head_phone",
    "head_email", "department", "contact_name", "contact_title", "contact_phone", "contact_mobile",
    "contact_email", "affiliation", "unit_type", "industry",
)  # fmt: skip


def unit_profile_save(
    *, actor: User, project: Project, credit_code: str, address: str, **fields: Any
) -> UnitProfile:
    """表一 单位基本情况 of the project's client: its organisation record and its filing profile."""
    permissions.require(actor, "project.edit", project)
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown unit fields: {sorted(unknown)}")
    client = project.client
    with transaction.atomic():
        profile, _ = UnitProfile.objects.get_or_create(organisation=client)
        before = {k: str(getattr(profile, k)) for k in fields} | {
            "credit_code": client.credit_code,
            "address": client.address,
        }
        for key, value in fields.items():
            setattr(profile, key, value)
        profile.save()
        client.credit_code, client.address = credit_code, address
        client.save(update_fields=["credit_code", "address"])
        after = {k: str(getattr(profile, k)) for k in fields} | {
            "credit_code": credit_code,
            "address": address,
        }
        audit.record(
            actor=actor,
            action="unit.update",
            obj=client,
            before={k: v for k, v in before.items() if before[k] != after[k]},
            after={k: v for k, v in after.items() if before[k] != after[k]},
            project=project,
        )
    return profile
