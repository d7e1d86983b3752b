"""A new P1/P2 ticket from the client appears at the top of the manager's project overview."""

from __future__ import annotations

from dengbao.accounts.roles import ProjectRole

from . import factories


def _overview(client, world) -> str:
    response = client.get(f"/projects/{world.project.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_clients_p1_ticket_is_at_the_top_of_the_managers_overview(world_a, login):
    contract = factories.contract(world_a)
    slug = world_a.project.slug
    manager = login(world_a.members[ProjectRole.MANAGER])
    assert 'id="urgent-tickets"' not in _overview(manager, world_a)

    hospital = login(world_a.members[ProjectRole.CLIENT])
    for title, priority in (("HIS 数据库被勒索加密", "P1"), ("打印机驱动咨询", "P4")):
        opened = hospital.post(
            f"/projects/{slug}/engagement/tickets/",
            {"title": title, "kind": "incident", "priority": priority, "description": "门户提交"},
        )
        assert opened.status_code == 302, opened.content
    p1 = contract.tickets.get(priority="P1")
    assert p1.source == "portal" and p1.opened_by == world_a.members[ProjectRole.CLIENT]

    page = _overview(manager, world_a)
    card = page.index('id="urgent-tickets"')
    assert card < page.index('id="systems"')  # above everything else on the page
    urgent = page[card : page.index("</section>", card)]
    assert "HIS 数据库被勒索加密" in urgent and f'data-ticket="{p1.pk}"' in urgent
    assert f"/engagement/tickets/{p1.pk}/" in urgent and "打印机驱动咨询" not in urgent
    # the assessor sees it too; the client has its own ticket list, not this provider card
    assert "HIS 数据库被勒索加密" in _overview(login(world_a.members[ProjectRole.ASSESSOR]), world_a)
    assert 'id="urgent-tickets"' not in _overview(hospital, world_a)
