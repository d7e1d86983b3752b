"""The client sees what is released: every route, walked as the project's own client contact.

The world: an assessment whose round is still being recorded (a 不符合 recorded, a problem
raised), a draft document (never signed nor released), a signed 等级测评报告 and a document
the manager released. The client contact must get 403/404 on every route naming the draft or
the unfinished round, see no figure of that round anywhere, and still reach what is released.
"""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dengbao.accounts.roles import ProjectRole

from . import routes
from .routes import all_routes

REFUSED = {403, 404}
REFUSED_POST = {403, 404, 405}
DRAFT_NAME = "DRAFT-定级报告-未发布.docx"
DRAFT_PROBLEM = "DRAFT-未定稿问题"


@pytest.fixture
def released_world(world_a):
    from dengbao.assessments.models import Problem, RemediationTask
    from dengbao.reports.models import GeneratedDocument
    from dengbao.reports.services import document_release, document_store

    assessment = routes._assessment(world_a)
    rnd = assessment.rounds.get(number=1)
    rnd.results.update(result="不符合", recorded_at=timezone.now())
    problem = Problem.objects.create(round=rnd, unit_id="L3-CES1-01", title=DRAFT_PROBLEM, risk="高")
    RemediationTask.objects.create(
        problem=problem, owner=world_a.members["client"], due_date=date(2030, 1, 1)
    )
    system = routes._system(world_a)
    store = dict(actor=None, project=world_a.project, system=system, content=b"PK-demo")
    signed = document_store(
        **store,
        kind="assessment_report",
        filename="测评报告-已签发.docx",
        assessment=assessment,
        round_number=1,
    )
    # signed while round 1 was final; what matters here is who may open a signed version
    GeneratedDocument.objects.filter(pk=signed.pk).update(
        locked_at=timezone.now(), locked_by=world_a.members["reviewer"]
    )
    released = document_store(**store, kind="filing_form", filename="备案表-已发布.docx")
    document_release(actor=world_a.members["manager"], document=released)
    store["content"] = b"PK-draft"
    draft = document_store(**store, kind="grading_report", filename=DRAFT_NAME)  # the newest: factories' pick
    return {
        "world": world_a,
        "round": rnd,
        "problem": problem,
        "draft": draft,
        "signed": signed,
        "released": released,
    }


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def test_client_gets_403_or_404_on_every_route_of_a_draft(released_world, login):
    world = released_world["world"]
    client = login(world.members[ProjectRole.CLIENT])
    draft = {"document_id": released_world["draft"].pk, "problem_id": released_world["problem"].pk}
    named = [
        r
        for r in all_routes()
        if r.project_scoped
        and not r.admin_area
        and {"document_id", "problem_id", "number"} & set(r.arguments)
    ]
    assert sum("document_id" in r.arguments for r in named) >= 6  # download, pdf, preview, page, sign, …
    assert any("number" in r.arguments for r in named)  # a round's score, its diff
    failures = []
    for route in named:
        url = route.url(world, draft)
        got = client.get(url).status_code
        if got not in REFUSED:
            failures.append(f"GET {url} -> {got}")
        got = client.post(url, {}).status_code
        if got not in REFUSED_POST:
            failures.append(f"POST {url} -> {got}")
    assert not failures, "\n".join(failures)


def test_no_route_shows_the_client_a_draft_or_an_unfinished_round(released_world, login):
    """The whole walk, GET: no page or API answer names the draft document or the round's figures."""
    world = released_world["world"]
    client = login(world.members[ProjectRole.CLIENT])
    draft = released_world["draft"]
    leaks, walked = [], 0
    for route in all_routes():
        if route.admin_area or route.audit_area or route.outbound_area:
            continue
        url = route.url(world, {"document_id": released_world["signed"].pk})
        response = client.get(url)
        if response.status_code != 200:
            continue
        walked += 1
        body = _body(response)
        for marker in (DRAFT_NAME, draft.sha256[:12], "已记录 ", "符合率 <strong>", '"compliance_rate": 0'):
            if marker in body:
                leaks.append(f"GET {url} shows {marker!r}")
        handed_over = re.search(r"/remediation/(\d+/)?$", url)  # the plan and a task given to the client
        if not handed_over and DRAFT_PROBLEM in body:
            leaks.append(f"GET {url} shows the unfinished round's problem")
    assert walked >= 20
    assert not leaks, "\n".join(leaks)


def test_client_overview_and_api_show_no_figure_of_an_unfinished_round(released_world, login):
    world = released_world["world"]
    client = login(world.members[ProjectRole.CLIENT])
    page = _body(client.get(f"/projects/{world.project.slug}/"))
    assert "测评进行中" in page and "符合率" not in page and "已记录" not in page
    summary = client.get(f"/api/projects/{world.project.slug}/assessments").json()
    assert summary[0]["round"] is None and summary[0]["compliance_rate"] is None
    assert summary[0]["conclusion"] is None and summary[0]["recorded"] == 0
    assessment = summary[0]["id"]
    assert (
        client.get(f"/api/projects/{world.project.slug}/assessments/{assessment}/rounds/1/score").status_code
        == 404
    )
    assert (
        client.get(f"/api/projects/{world.project.slug}/assessments/{assessment}/problems").status_code == 404
    )
    xlsx = client.get(f"/projects/{world.project.slug}/assessments/{assessment}/problems/gap-list.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert xlsx.status_code == 200 and not any(DRAFT_PROBLEM in v for v in cells)
    # the provider keeps seeing its draft figures
    manager = login(world.members[ProjectRole.MANAGER])
    assert "已记录 1 / 1" in _body(manager.get(f"/projects/{world.project.slug}/"))
    assert manager.get(f"/api/projects/{world.project.slug}/assessments").json()[0]["compliance_rate"] == 0


def test_client_opens_what_is_signed_or_released_and_lists_nothing_else(released_world, login):
    world = released_world["world"]
    slug = world.project.slug
    client = login(world.members[ProjectRole.CLIENT])
    for doc in (released_world["signed"], released_world["released"]):
        response = client.get(f"/projects/{slug}/documents/{doc.pk}/")
        assert response.status_code == 200, doc.filename
        assert _body(response) == "PK-demo"
        assert client.get(f"/projects/{slug}/documents/{doc.pk}/preview/").status_code == 200
        assert client.get(f"/api/projects/{slug}/documents/{doc.pk}/file").status_code == 200
    listed = _body(client.get(f"/projects/{slug}/documents/"))
    assert "测评报告-已签发.docx" in listed and "备案表-已发布.docx" in listed and DRAFT_NAME not in listed
    api = client.get(f"/api/projects/{slug}/documents").json()
    names = {d["filename"] for d in (api["items"] if isinstance(api, dict) else api)}
    assert names == {"测评报告-已签发.docx", "备案表-已发布.docx"}
    # the provider sees all three
    manager = login(world.members[ProjectRole.MANAGER])
    assert manager.get(f"/projects/{slug}/documents/{released_world['draft'].pk}/").status_code == 200


def test_finalising_the_round_shows_its_figures_to_the_client(released_world, login):
    world, rnd = released_world["world"], released_world["round"]
    rnd.finalised_at = timezone.now()
    rnd.save(update_fields=["finalised_at"])
    client = login(world.members[ProjectRole.CLIENT])
    page = _body(client.get(f"/projects/{world.project.slug}/"))
    assert "已定稿" in page and "已记录 1 / 1" in page and "符合率" in page
    summary = client.get(f"/api/projects/{world.project.slug}/assessments").json()[0]
    assert summary["round"]["number"] == 1 and summary["compliance_rate"] == 0
    problems = client.get(f"/api/projects/{world.project.slug}/assessments/{summary['id']}/problems").json()
    assert [p["title"] for p in problems["items"]] == [DRAFT_PROBLEM]


def test_release_is_the_managers_audited_act(released_world, login):
    from dengbao.audit.models import AuditEvent

    world, draft = released_world["world"], released_world["draft"]
    slug = world.project.slug
    url = f"/projects/{slug}/documents/{draft.pk}/release/"
    for role in (ProjectRole.CLIENT, ProjectRole.ASSESSOR, ProjectRole.REVIEWER):
        assert login(world.members[role]).post(url).status_code == 403, role
    manager = login(world.members[ProjectRole.MANAGER])
    assert "发布给被测单位" in _body(manager.get(f"/projects/{slug}/documents/"))
    assert manager.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.released_by == world.members[ProjectRole.MANAGER] and draft.released_at is not None
    event = AuditEvent.objects.filter(action="document.release").latest("pk")
    assert event.actor_id == world.members[ProjectRole.MANAGER].pk
    client = login(world.members[ProjectRole.CLIENT])
    assert client.get(f"/projects/{slug}/documents/{draft.pk}/").status_code == 200
    # an unsigned 等级测评报告 is never released: it reaches the client by being signed
    from dengbao.reports.services import document_release, document_store

    report = document_store(
        actor=None, project=world.project, kind="assessment_report", filename="r.docx", content=b"PK"
    )
    with pytest.raises(ValidationError, match="须经签发"):
        document_release(actor=world.members[ProjectRole.MANAGER], document=report)


def test_delivering_a_document_releases_it(released_world, login):
    from dengbao.engagements.services import deliverable_deliver
    from tests.engagements import factories as engagement

    world = released_world["world"]
    deliverable = engagement.deliverable(world)
    from dengbao.reports.services import document_store

    doc = document_store(
        actor=None,
        project=world.project,
        system=deliverable.system,
        kind=deliverable.kind,
        filename="交付件.docx",
        content=b"PK-deliver",
    )
    client = login(world.members[ProjectRole.CLIENT])
    url = f"/projects/{world.project.slug}/documents/{doc.pk}/"
    if doc.kind == "assessment_report":
        pytest.skip("the first deliverable is a report: it is released by signing")
    assert client.get(url).status_code == 404
    deliverable_deliver(
        actor=world.members[ProjectRole.MANAGER], deliverable=deliverable, delivered_on=date(2026, 1, 5)
    )
    assert client.get(url).status_code == 200
