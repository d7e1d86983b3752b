"""Small builders shared by the workbench tests."""

from __future__ import annotations

from dengbao.systems import services as system_services

HARM3 = [{"object": "社会秩序、公共利益", "degree": "严重"}]
HARM2 = [{"object": "合法权益", "degree": "严重"}]


def graded(world, name, business, service, tech=()):
    """A system of the world's client, with a draft grading from these harms."""
    system = system_services.system_create(
        actor=None,
        organisation=world.client,
        project=world.project,
        name=name,
        code=name,
        technology_types=list(tech),
    )
    system_services.grading_save_draft(
        actor=world.members["assessor"],
        project=world.project,
        system=system,
        business_harms=business,
        service_harms=service,
    )
    return system


def waive_all(world, rnd):
    """Record a reason for every system of the round without a scan or pen-test (needed to finalise)."""
    from dengbao.assessments import services

    for system in services.unverified_systems(rnd):
        services.verification_waive(
            actor=world.members["manager"], rnd=rnd, system=system, reason="测试：本轮不开展漏洞扫描"
        )
