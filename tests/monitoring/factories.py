"""A monitor on a loopback host with an incident, a channel and a rule: for tests and the authz matrix."""

from __future__ import annotations

from django.utils import timezone

from tests.conftest import ProjectWorld


def allowed_host(world: ProjectWorld, host: str = "127.0.0.1"):
    from dengbao.monitoring.models import AllowedHost

    return AllowedHost.objects.get_or_create(project=world.project, host=host)[0]


def private_host(world: ProjectWorld, host: str = "10.20.1.5", zone: str = "intranet"):
    """A host the security administrator approved for private addresses (made directly, for the matrix)."""
    from dengbao.accounts.roles import ProjectRole
    from dengbao.monitoring.models import PrivateHost

    return PrivateHost.objects.get_or_create(
        project=world.project,
        zone=zone,
        host=host,
        defaults={"approved_by": world.members[ProjectRole.MANAGER]},
    )[0]


def monitor(world: ProjectWorld, url: str = "http://127.0.0.1:9/", **data):
    from dengbao.monitoring import services
    from dengbao.monitoring.models import Monitor

    existing = Monitor.objects.filter(project=world.project).first()
    if existing is not None and not data:
        return existing
    allowed_host(world)
    fields = {"name": data.pop("name", "门户网站"), "url": url, "zone": "intranet", **data}
    return services.monitor_create(actor=None, project=world.project, data=fields)


def incident(world: ProjectWorld):
    from dengbao.monitoring.models import Incident

    m = monitor(world)
    return m.incidents.first() or Incident.objects.create(
        monitor=m, kind=Incident.Kind.CHANGED, opened_at=timezone.now(), snapshot_html="<p>x</p>"
    )


def channel(world: ProjectWorld):
    from dengbao.monitoring.models import Channel

    return world.project.monitor_channels.first() or Channel.objects.create(
        project=world.project, name="webhook", kind="webhook", config={"url": "http://127.0.0.1:9/hook"}
    )


def rule(world: ProjectWorld):
    from dengbao.monitoring.models import AlertRule

    monitor(world)
    return AlertRule.objects.filter(project=world.project).first()
