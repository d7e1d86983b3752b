"""Every route of the platform, collected from the URL resolver, with its arguments filled in.

A route that takes the project's slug (``project``) is project-scoped. Its other
arguments are filled from ``ARGUMENT_FACTORIES``, which name an object *of that
project*; a new route with an argument not listed there makes the matrix test fail
until someone says how to build it — so no route escapes the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import ProjectWorld
from tests.engagements import factories as engagement
from tests.monitoring import factories as monitoring
from tests.scanning import factories as scanning


def _system(world: ProjectWorld):
    from dengbao.systems.services import system_create

    system = world.project.systems.first()
    if system is None:
        system = system_create(
            actor=None, organisation=world.client, project=world.project, name="HIS", code="HIS"
        )
    return system


def _grading(world: ProjectWorld):
    from dengbao.systems.models import Grading

    system = _system(world)
    return system.gradings.first() or Grading.objects.create(
        system=system, project=world.project, business_harms=[], service_harms=[], level=3, sa="S3A3"
    )


def _document(world: ProjectWorld):
    from dengbao.reports.services import document_store

    return world.project.documents.first() or document_store(
        actor=None, project=world.project, kind="grading_report", filename="x.docx", content=b"PK-demo"
    )


def _template(world: ProjectWorld):
    from dengbao.reports.models import DocumentTemplate

    return DocumentTemplate.objects.filter(
        organisation=world.provider
    ).first() or DocumentTemplate.objects.create(
        organisation=world.provider, kind="grading_report", filename="x.docx", sha256="0" * 64
    )


def _assessment(world: ProjectWorld):
    from dengbao.assessments.models import Assessment, AssessmentObject, ResultRecord, Round

    assessment = world.project.assessments.first()
    if assessment is None:
        system = _system(world)
        assessment = Assessment.objects.create(project=world.project, name="测评", sa="S3A3")
        assessment.systems.add(system)
        rnd = Round.objects.create(assessment=assessment, number=1)
        obj = AssessmentObject.objects.create(assessment=assessment, kind="服务器/操作系统", name="HIS-DB")
        ResultRecord.objects.create(round=rnd, obj=obj, unit_id="L3-CES1-01")
    return assessment


def _problem(world: ProjectWorld):
    from dengbao.assessments.models import Problem

    rnd = _assessment(world).rounds.order_by("-number").first()
    problem, _ = Problem.objects.get_or_create(
        round=rnd, unit_id="L3-CES1-01", defaults={"title": "身份鉴别"}
    )
    return problem


def _task(world: ProjectWorld):
    from datetime import date

    from dengbao.assessments.models import RemediationTask

    problem = _problem(world)
    return problem.tasks.first() or RemediationTask.objects.create(
        problem=problem, owner=world.members["client"], due_date=date(2030, 1, 1)
    )


def _job(world: ProjectWorld):
    from dengbao.reports.models import DocumentJob

    return world.project.document_jobs.first() or DocumentJob.objects.create(
        project=world.project, kind="bundle"
    )


def _token(world: ProjectWorld):
    from dengbao.accounts.models import ApiToken
    from dengbao.accounts.tokens import token_create

    owner = world.members["client"]
    return ApiToken.objects.filter(user=owner).first() or token_create(actor=owner, name="ci")[0]


# name of a URL argument -> how to get a value for it that belongs to the given project
ARGUMENT_FACTORIES: dict[str, Callable[[ProjectWorld], object]] = {
    "project": lambda world: world.project.slug,
    "user_id": lambda world: world.members["client"].pk,
    "unit_id": lambda world: "L3-CES1-01",
    "system_id": lambda world: _system(world).pk,
    "grading_id": lambda world: _grading(world).pk,
    "step": lambda world: "transition",
    "kind": lambda world: "grading-report",
    "document_id": lambda world: _document(world).pk,
    "template_id": lambda world: _template(world).pk,
    "assessment_id": lambda world: _assessment(world).pk,
    "object_id": lambda world: _assessment(world).test_objects.first().pk,
    "action": lambda world: "finalise",
    "number": lambda world: 1,
    "problem_id": lambda world: _problem(world).pk,
    "task_id": lambda world: _task(world).pk,
    "evidence_id": lambda world: 999999,  # any evidence id: foreign users must get 403/404 before the lookup
    "proposal_id": lambda world: 999999,  # any proposal id: foreign users must get 403/404 before the lookup
    "record_id": lambda world: _assessment(world).test_objects.first().results.first().pk,
    "attachment_id": lambda world: engagement.attachment(world).pk,
    "deliverable_id": lambda world: engagement.deliverable(world).pk,
    "occurrence_id": lambda world: engagement.occurrence(world).pk,
    "ticket_id": lambda world: engagement.ticket(world).pk,
    "visit_id": lambda world: engagement.visit(world).pk,
    "inspection_object_id": lambda world: engagement.visit(world).targets.first().pk,
    "inspection_item_id": lambda world: engagement.visit(world).targets.first().results.first().pk,
    "file_id": lambda world: 999999,  # any file id: foreign users must get 403/404 before the lookup
    "hardening_id": lambda world: engagement.hardening_action(world).pk,
    "line_item_id": lambda world: engagement.contract(world).line_items.first().pk,
    "milestone_id": lambda world: engagement.contract(world).milestones.first().pk,
    "training_id": lambda world: engagement.training(world).pk,
    "feedback_id": lambda world: engagement.feedback(world).pk,
    "job_id": lambda world: _job(world).pk,
    "monitor_id": lambda world: monitoring.monitor(world).pk,
    "incident_id": lambda world: monitoring.incident(world).pk,
    "host_id": lambda world: monitoring.allowed_host(world).pk,
    "channel_id": lambda world: monitoring.channel(world).pk,
    "private_host_id": lambda world: monitoring.private_host(world).pk,
    "rule_id": lambda world: monitoring.rule(world).pk,
    "page": lambda world: 1,
    "platform": lambda world: "mysql",  # a database collection script
    "finding_id": lambda world: scanning.finding(world).pk,
    "authorisation_id": lambda world: scanning.authorisation(world).pk,
    "scan_id": lambda world: scanning.scan(world).pk,
    "pentest_id": lambda world: scanning.pentest(world).pk,
    "token_id": lambda world: _token(world).pk,
}

# The administrators' area: accounts, organisations, templates and project *metadata* (names,
# members) for every project, never project content. Who passes which route: ADMIN_ROUTE_ROLES.
ADMIN_PREFIX = "manage/"
# The security administrator's pages: account security, platform roles, every API token.
SECURITY_PREFIX = "accounts/security/"
# The audit administrator's log records actions in every project, by design (三权分立:
# the auditor oversees everyone); only audit.read holders get past it.
AUDIT_PREFIX = "audit/"

# 三权分立: who gets past each administration route — a platform role, or "manager" for the
# project's own manager. A new route under manage/ or accounts/security/ must be listed here.
_SYSADMIN = frozenset({"sysadmin"})
_SECADMIN = frozenset({"secadmin"})
_MEMBERS = frozenset({"secadmin", "manager"})
ADMIN_ROUTE_ROLES: dict[str, frozenset[str]] = {
    "manage/templates/": _SYSADMIN,
    "manage/templates/default/<slug:kind>/": _SYSADMIN,
    "manage/templates/<int:template_id>/activate/": _SYSADMIN,
    "manage/users/": _SYSADMIN,
    "manage/users/<int:user_id>/": _SYSADMIN,
    "manage/users/<int:user_id>/reset-password/": _SYSADMIN,
    "manage/organisations/": _SYSADMIN,
    "manage/projects/": frozenset({"sysadmin", "secadmin"}),
    "manage/projects/<slug:project>/members/": _MEMBERS,
    "manage/projects/<slug:project>/members/<int:user_id>/remove/": _MEMBERS,
    "accounts/security/": _SECADMIN,
    "accounts/security/users/<int:user_id>/unlock/": _SECADMIN,
    "accounts/security/users/<int:user_id>/reset-2fa/": _SECADMIN,
    "accounts/security/users/<int:user_id>/role/": _SECADMIN,
    "accounts/security/tokens/": _SECADMIN,
    "accounts/security/tokens/<int:token_id>/revoke/": _SECADMIN,
}

# The security administrator's area: which internal addresses each project's outbound requests
# may reach names projects by design; only platform.security holders get past it.
OUTBOUND_PREFIX = "security/"

# Routes outside the permission layer by design: static/i18n plumbing and the login flow.
# (The profile and the security administrator's pages under /accounts/ are walked.)
PUBLIC_PREFIXES = (
    "/favicon.ico",
    "/static/",
    "/media/",
    "/i18n/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
)


@dataclass(frozen=True)
class Route:
    pattern: str  # the joined regex-ish route, for messages
    arguments: tuple[str, ...]
    name: str | None

    @property
    def project_scoped(self) -> bool:
        return "project" in self.arguments

    @property
    def audit_area(self) -> bool:
        return self.pattern.lstrip("^").startswith(AUDIT_PREFIX)

    @property
    def outbound_area(self) -> bool:
        return self.pattern.lstrip("^").startswith(OUTBOUND_PREFIX)

    @property
    def admin_area(self) -> bool:
        return self.pattern.lstrip("^").startswith((ADMIN_PREFIX, SECURITY_PREFIX))

    @property
    def admitted(self) -> frozenset[str]:
        """Who passes an administration route's permission check (ADMIN_ROUTE_ROLES)."""
        key = self.pattern.lstrip("^")
        if key not in ADMIN_ROUTE_ROLES:
            raise LookupError(
                f"route {key!r}: say who may use it in ADMIN_ROUTE_ROLES (tests/authz/routes.py)"
            )
        return ADMIN_ROUTE_ROLES[key]

    def url(self, world: ProjectWorld, overrides: dict[str, object] | None = None) -> str:
        """The route's URL for the world; ``overrides`` names a given object for some arguments."""
        path = self.pattern
        for arg in self.arguments:
            if arg not in ARGUMENT_FACTORIES:
                raise LookupError(
                    f"route {self.pattern!r}: add a factory for argument {arg!r} to ARGUMENT_FACTORIES"
                )
            given = (overrides or {}).get(arg)
            value = str(given if given is not None else ARGUMENT_FACTORIES[arg](world))
            path = re.sub(r"<(?:[^>:]+:)?" + re.escape(arg) + r">", value, path)
            path = re.sub(r"\(\?P<" + re.escape(arg) + r">[^)]*\)", value, path)
        return "/" + path.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")


def _walk(resolver: URLResolver, prefix: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, pattern)
        elif isinstance(entry, URLPattern):
            arguments = tuple(re.findall(r"<(?:[^>:]+:)?([^>]+)>", pattern)) + tuple(
                re.findall(r"\(\?P<([^>]+)>", pattern)
            )
            yield Route(pattern=pattern, arguments=arguments, name=entry.name)


def all_routes() -> list[Route]:
    routes = []
    for route in _walk(get_resolver(), ""):
        if ("/" + route.pattern.lstrip("^")).startswith(PUBLIC_PREFIXES):
            continue
        routes.append(route)
    return routes
