"""Idle timeout: a session unused for longer than DENGBAO_SESSION_IDLE_MINUTES is signed out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

DASHBOARD = reverse("web:project_dashboard", kwargs={"project": "proj-a"})


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def idle_for(client, minutes: float) -> None:
    """Make the stored session look as if its last request was ``minutes`` ago."""
    last_request = timezone.now() - dt.timedelta(minutes=minutes)
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=last_request + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


def test_idle_limit_is_thirty_minutes_and_slides_with_every_request(world_a, login):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    client = login(world_a.members["manager"])
    idle_for(client, 20)
    assert client.get(DASHBOARD).status_code == 200
    remaining = session_row(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)


def test_session_idle_longer_than_the_limit_is_no_longer_signed_in(world_a, login):
    idle = login(world_a.members["manager"])
    active = login(world_a.members["assessor"])
    idle_for(idle, 31)
    idle_for(active, 29)

    response = idle.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert idle.get("/api/me").status_code == 401

    assert active.get(DASHBOARD).status_code == 200
    assert active.get("/api/me").json()["username"] == "proj-a-assessor"
