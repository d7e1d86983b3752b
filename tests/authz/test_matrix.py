"""The authorisation matrix: every route, every role, against a project that is not theirs.

A member of project B — in any role — and each platform administrator must learn
nothing of project A: every project-scoped route of A answers 403 or 404 (GET and
POST), and no other page or API answer mentions A.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dengbao.accounts.roles import ProjectRole

from .routes import all_routes

FOREIGN_GET = {403, 404}
FOREIGN_POST = {403, 404, 405}


@pytest.fixture
def foreign_users(world_b, platform_users):
    users = {f"B-{role.value}": user for role, user in world_b.members.items()}
    users.update({f"platform-{role.value}": user for role, user in platform_users.items()})
    return users


def test_routes_are_found(world_a):
    routes = all_routes()
    project_routes = [r for r in routes if r.project_scoped]
    # The shell's own project routes and the API's must be among them.
    assert any(r.name == "project_dashboard" for r in project_routes)
    assert sum("api/" in r.pattern for r in project_routes) >= 3
    for route in routes:  # every argument has a factory
        route.url(world_a)


def test_foreign_roles_get_403_or_404_on_every_project_route(world_a, foreign_users, login):
    failures = []
    project_routes = [r for r in all_routes() if r.project_scoped]
    for label, user in foreign_users.items():
        client = login(user)
        for route in project_routes:
            if route.admin_area and label == "platform-secadmin":
                continue  # assigns members everywhere: test_administration_routes_admit_only_their_roles
            url = route.url(world_a)
            got = client.get(url).status_code
            if got not in FOREIGN_GET:
                failures.append(f"{label} GET {url} -> {got}")
            got = client.post(url, {}).status_code
            if got not in FOREIGN_POST:
                failures.append(f"{label} POST {url} -> {got}")
    assert not failures, "\n".join(failures)


def test_anonymous_gets_nothing_from_any_route(world_a):
    client = Client()
    failures = []
    for route in all_routes():
        url = route.url(world_a)
        response = client.get(url)
        if response.status_code == 302:
            if "/accounts/login/" not in response["Location"]:
                failures.append(f"GET {url} redirects to {response['Location']}")
        elif response.status_code not in (401, 403, 404):
            failures.append(f"GET {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_no_other_route_mentions_the_foreign_project(world_a, foreign_users, login):
    """Lists, the API and every non-project page must not leak project A's name or slug."""
    leaks = []
    other_routes = [r for r in all_routes() if not r.project_scoped]
    for label, user in foreign_users.items():
        client = login(user)
        for route in other_routes:
            if route.admin_area and label in ("platform-sysadmin", "platform-secadmin"):
                continue  # every project's metadata, by design
            if route.audit_area and label == "platform-auditadmin":
                continue
            if route.outbound_area and label == "platform-secadmin":
                continue
            url = route.url(world_a)
            response = client.get(url)
            if response.status_code != 200 or response.get("Content-Type", "").startswith(
                "application/octet"
            ):
                continue
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode(errors="replace")
            if world_a.project.name in body or '"proj-a"' in body or "/projects/proj-a/" in body:
                leaks.append(f"{label} GET {url} mentions project A")
    assert not leaks, "\n".join(leaks)


# The provider's working papers through the API (results, objects, document jobs): the client
# contact is a member of the project and is refused them — 403, as on the pages behind them.
PROVIDER_ONLY_API = {
    "api/projects/<project>/assessments/<assessment_id>",
    "api/projects/<project>/assessments/<assessment_id>/results",
    "api/projects/<project>/document-jobs",
    "api/projects/<project>/document-jobs/<job_id>",
}


# The figures and problems of a round still being recorded, and a document neither signed nor
# released, are the provider's drafts: the client contact gets 404 (the factories make drafts;
# tests/authz/test_client_release.py walks every route with released ones beside them).
UNFINISHED_ROUND_API = {
    "api/projects/<project>/documents/<document_id>/file",
    "api/projects/<project>/assessments/<assessment_id>/rounds/<number>/score",
    "api/projects/<project>/assessments/<assessment_id>/problems",
}


def test_members_of_the_project_do_reach_its_routes(world_a, login):
    """The positive control: the same walk as its own members does not answer 403/404 to viewers."""
    project_routes = [r for r in all_routes() if r.project_scoped and r.name in {"project_dashboard"}]
    project_routes += [r for r in all_routes() if r.project_scoped and "api/" in r.pattern]
    assert project_routes
    assert PROVIDER_ONLY_API | UNFINISHED_ROUND_API <= {r.pattern for r in project_routes}
    for role in ProjectRole:
        client = login(world_a.members[role])
        for route in project_routes:
            url = route.url(world_a)
            expected = 200
            if role == ProjectRole.CLIENT and route.pattern in PROVIDER_ONLY_API:
                expected = 403
            elif role == ProjectRole.CLIENT and route.pattern in UNFINISHED_ROUND_API:
                expected = 404
            assert client.get(url).status_code == expected, f"{role} GET {url}"


def test_administrators_reach_only_their_area(world_a, platform_users, login):
    """The system administrator lists project A but cannot open its members; the security
    administrator assigns them; neither opens any of the project's own pages or API."""
    sysadmin, secadmin = login(platform_users["sysadmin"]), login(platform_users["secadmin"])
    assert world_a.project.name in sysadmin.get("/manage/projects/").content.decode()
    assert sysadmin.get(f"/manage/projects/{world_a.project.slug}/members/").status_code == 404
    members_page = secadmin.get(f"/manage/projects/{world_a.project.slug}/members/")
    assert members_page.status_code == 200
    assert world_a.members["assessor"].username in members_page.content.decode()
    for route in all_routes():
        if route.project_scoped and not route.admin_area:
            for client in (sysadmin, secadmin):
                assert client.get(route.url(world_a)).status_code in FOREIGN_GET, route.pattern


def test_administration_routes_admit_only_their_roles(world_a, platform_users, login):
    """Every route under manage/ and accounts/security/, for each administrator and project A's members:
    those listed in ADMIN_ROUTE_ROLES pass the permission check (no 403, no denial recorded; a 404
    for an unknown document kind is the route's own answer), everyone else is refused (403/404)."""
    from dengbao.audit.models import AuditEvent

    admin_routes = [r for r in all_routes() if r.admin_area]
    assert len(admin_routes) >= 15
    people = {role.value: user for role, user in platform_users.items()}
    people |= {role.value: user for role, user in world_a.members.items()}
    failures = []
    for label, user in people.items():
        client = login(user)
        for route in admin_routes:
            url = route.url(world_a)
            denials = AuditEvent.objects.filter(action="permission.denied", actor_id=user.pk).count
            before = denials()
            got = client.get(url).status_code
            if label in route.admitted:
                if got == 403 or denials() != before:
                    failures.append(f"{label} GET {url} -> {got}, should be admitted")
                continue
            statuses = {got, client.post(url, {}).status_code}
            if not statuses <= FOREIGN_POST or not statuses & FOREIGN_GET:
                failures.append(f"{label} {url} -> {sorted(statuses)}, should be refused")
    assert not failures, "\n".join(failures)


def test_outbound_area_is_closed_to_everyone_else(world_a, platform_users, login):
    outbound_routes = [r for r in all_routes() if r.outbound_area]
    assert len(outbound_routes) >= 3
    others = [platform_users["sysadmin"], platform_users["auditadmin"], *world_a.members.values()]
    for user in others:
        client = login(user)
        for route in outbound_routes:
            url = route.url(world_a)
            assert client.get(url).status_code in FOREIGN_GET, f"{user} GET {url}"
            assert client.post(url, {}).status_code in FOREIGN_POST, f"{user} POST {url}"
