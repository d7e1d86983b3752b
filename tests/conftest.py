"""Shared fixtures: organisations, projects with a member of every role, logged-in clients."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from dengbao.accounts import services
from dengbao.accounts.models import Organisation, Project, User
from dengbao.accounts.roles import OrganisationKind, PlatformRole, ProjectRole

PASSWORD = "Test-Pass-2026!"
_counter = itertools.count(1)


@dataclass
class ProjectWorld:
    project: Project
    provider: Organisation
    client: Organisation
    members: dict[ProjectRole, User]


def make_user(org: Organisation | None, *, platform_role: str = "", username: str | None = None) -> User:
    name = username or f"u{next(_counter)}"
    return services.user_create(
        actor=None, username=name, password=PASSWORD, organisation=org, platform_role=platform_role
    )


def make_project(slug: str) -> ProjectWorld:
    provider = services.organisation_create(actor=None, name=f"机构-{slug}", kind=OrganisationKind.PROVIDER)
    client = services.organisation_create(actor=None, name=f"医院-{slug}", kind=OrganisationKind.CLIENT)
    project = services.project_create(
        actor=None, slug=slug, name=f"项目 {slug}", client=client, provider=provider
    )
    members: dict[ProjectRole, User] = {}
    for role in ProjectRole:
        org = client if role == ProjectRole.CLIENT else provider
        user = make_user(org, username=f"{slug}-{role.value}")
        services.membership_set(actor=None, project=project, user=user, role=role)
        members[role] = user
    return ProjectWorld(project=project, provider=provider, client=client, members=members)


@pytest.fixture
def world_a(db) -> ProjectWorld:
    return make_project("proj-a")


@pytest.fixture
def world_b(db) -> ProjectWorld:
    return make_project("proj-b")


@pytest.fixture
def platform_users(db, world_a) -> dict[PlatformRole, User]:
    return {
        role: make_user(world_a.provider, platform_role=role, username=f"plat-{role.value}")
        for role in (PlatformRole.SYSADMIN, PlatformRole.SECADMIN, PlatformRole.AUDITADMIN)
    }


def verified_client(user: User) -> Client:
    """A test client logged in as ``user`` with two-factor verification done, as after a real login."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login():
    return verified_client


# --- the demo engagement, built once per test process (tests/demo_snapshot.py) ---------------------

DEMO_PASSWORD = "Demo-Pass-2026!"


@pytest.fixture(scope="session")
def demo_snapshots(tmp_path_factory):
    """The rows ``dengbao demo`` writes, recorded at the first test that needs them (per xdist worker)."""
    from tests.demo_snapshot import Snapshots

    return Snapshots(tmp_path_factory.mktemp("demo-snapshot"))


@pytest.fixture
def demo_db(db, demo_snapshots, settings, tmp_path, monkeypatch) -> Project:
    """The test database with the demo loaded, as after `dengbao demo` (every demo user has DEMO_PASSWORD).

    A copy of the snapshot written into this test's transaction (and rolled back with it); the
    demo's audit chain verifies under its key, copied to the test's folder.
    """
    from dengbao import demo

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DENGBAO_AUDIT_KEY_FILE = tmp_path / "audit.key"
    monkeypatch.setenv("DENGBAO_DEMO_PASSWORD", DEMO_PASSWORD)
    demo_snapshots.load(demo.load, media_root=settings.MEDIA_ROOT, key_file=settings.DENGBAO_AUDIT_KEY_FILE)
    return Project.objects.get(slug=demo.DEMO_SLUG)
