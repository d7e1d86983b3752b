from django.urls import reverse

from dengbao.audit.services import verify


def test_member_sees_dashboard_with_systems_and_members(world_a, login):
    client = login(world_a.members["manager"])
    response = client.get(reverse("web:project_dashboard", kwargs={"project": "proj-a"}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "项目 proj-a" in body
    assert "proj-a-assessor" in body


def test_setup_writes_an_intact_audit_chain(world_a):
    count, broken = verify()
    assert broken is None
    assert count >= 1 + 1 + 1 + 4 * 2  # two orgs, project, four users and memberships


def test_the_site_has_an_icon(client):
    from django.contrib.staticfiles import finders

    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" type="image/svg+xml"' in page and "favicon.svg" in page
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("favicon.svg")
    assert finders.find("dengbao/favicon.svg").endswith("favicon.svg")
