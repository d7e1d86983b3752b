"""What CLI commands share: Django setup, the acting user, --project, --json output."""

from __future__ import annotations

import json
import os
from typing import Any

import click


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dengbao.settings")
    import django

    django.setup()


def cli_setup() -> None:
    setup_django()
    from dengbao.audit import context

    context.set_origin(context.Origin(ip="cli", channel="cli"))


def cli_actor(username: str | None):
    """The user a CLI command acts as (--user or DENGBAO_USER); permissions apply as on the web.

    Sets Django up, so call it before importing models."""
    cli_setup()
    from dengbao.accounts.models import User

    if not username:
        raise click.UsageError("name the acting user with --user or DENGBAO_USER")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise click.UsageError(f"no active user {username!r}")
    return user


def user_option(func):
    return click.option("--user", "username", envvar="DENGBAO_USER", help="act as this user")(func)


def project_option(func):
    return click.option(
        "--project", "project_slug", default="demo", show_default=True, help="project identifier"
    )(func)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))
