"""Reads for systems, gradings and filings, always through the project's permission check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.core import certificates, filing_rules

from .models import Filing, Grading, InformationSystem
from .workflow import GradingState


def system_list(*, actor: User, project: Project) -> QuerySet[InformationSystem]:
    permissions.require(actor, "project.view", project)
    return project.systems.order_by("code", "name")


def level_counts(*, actor: User, project: Project) -> dict[int | None, int]:
    rows = system_list(actor=actor, project=project).values("proposed_level").annotate(n=Count("id"))
    return {row["proposed_level"]: row["n"] for row in rows}


def system_get(*, actor: User, project: Project, system_id: int) -> InformationSystem:
    permissions.require(actor, "project.view", project)
    system = project.systems.filter(pk=system_id).select_related("organisation", "parent").first()
    if system is None:
        raise Http404("system not found")
    return system


def grading_get(*, actor: User, project: Project, system: InformationSystem, grading_id: int) -> Grading:
    permissions.require(actor, "project.view", project)
    grading = system.gradings.filter(pk=grading_id, project=project).first()
    if grading is None:
        raise Http404("grading not found")
    return grading


@dataclass(frozen=True)
class SystemRow:
    system: InformationSystem
    grading: Grading | None
    filing: Filing | None
    valid_until: dt.date | None
    reminders: list[certificates.Reminder]

    @property
    def next_due(self) -> certificates.Reminder | None:
        return self.reminders[0] if self.reminders else None


# Workflow states in which the filing has reached the public-security organ.
_SUBMITTED = (GradingState.POLICE, GradingState.GRADED, GradingState.SUPERSEDED)


def system_rows(*, actor: User, project: Project, today: dt.date | None = None) -> list[SystemRow]:
    """Each system with its current grading, latest filing and what is due, for the list and the dashboard."""
    today = today or timezone.localdate()
    systems = list(system_list(actor=actor, project=project).prefetch_related("gradings", "filings"))
    rows = []
    for system in systems:
        gradings = sorted(system.gradings.all(), key=lambda g: -g.version)
        grading = gradings[0] if gradings else None
        filings = sorted(system.filings.all(), key=lambda f: f.created_at, reverse=True)
        filing = filings[0] if filings else None
        assessments = [dt.date.fromisoformat(d) for d in (filing.assessments_completed if filing else [])]
        issued = filing.certificate_issued_on if filing else None
        changed = bool(
            filing
            and grading
            and filing.grading_id
            and filing.grading_id != grading.pk
            and grading.version > 1
        )
        level = grading.level if grading and grading.level else system.proposed_level
        filing_due_on = review_due_on = None
        if not filings and grading is not None and grading.state not in _SUBMITTED:
            # the level is set when the competent authority approves it, else at the expert review
            set_on = grading.authority_date or grading.review_date or grading.graded_on
            filing_due_on = filing_rules.filing_due(level=level, graded_on=set_on, go_live=system.go_live)
        elif filing is not None and filing.submitted_on and not filing.certificate_issued_on:
            review_due_on = filing_rules.certificate_expected(filing.submitted_on).value
        legacy = bool(
            filings and (level or 0) >= 2 and all(f.edition == filing_rules.EDITION_LEGACY for f in filings)
        )
        rows.append(
            SystemRow(
                system=system,
                grading=grading,
                filing=filing,
                valid_until=certificates.valid_until(issued, assessments) if issued else None,
                reminders=certificates.reminders(
                    system=system.name,
                    # the yearly assessment is due once the level is set (已定级), not while drafting
                    level=level if grading is not None and grading.state == GradingState.GRADED else None,
                    today=today,
                    issued_on=issued,
                    assessments=assessments,
                    changed_since_filing=changed,
                    filing_due_on=filing_due_on,
                    review_due_on=review_due_on,
                    legacy_forms=legacy,
                ),
            )
        )
    return rows
