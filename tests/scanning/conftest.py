"""Scanning fixtures: a project with a member of every role, the importer samples, a factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from dengbao.accounts.roles import ProjectRole

SAMPLES = Path(__file__).parent.parent / "importers" / "samples"


def rewrite(
    src: Path, dst: Path, *replacements: tuple[str, str], drop: tuple[str, str] | None = None
) -> Path:
    """A copy of a sample with text replaced (each must hit); ``drop`` removes the span from a to b."""
    text = src.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    if drop:
        start = text.index(drop[0])
        end = text.index(drop[1], start) + len(drop[1])
        text = text[:start] + text[end:]
    dst.write_text(text, encoding="utf-8")
    return dst


@pytest.fixture
def world(world_a):
    return world_a


@pytest.fixture
def assessor(world):
    return world.members[ProjectRole.ASSESSOR]


@pytest.fixture
def manager(world):
    return world.members[ProjectRole.MANAGER]


@pytest.fixture
def client_user(world):
    return world.members[ProjectRole.CLIENT]


@pytest.fixture
def reviewer(world):
    return world.members[ProjectRole.REVIEWER]
