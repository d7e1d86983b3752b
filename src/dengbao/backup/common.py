"""What backup and restore share: the error type, the database alias, the models dumped, the media folder."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.migrations.recorder import MigrationRecorder

ALIAS = DEFAULT_DB_ALIAS
PREVIOUS_DIR = "previous"


class BackupError(Exception):
    """What the operator must be told. Raised before anything current was changed."""


class RestoreRefused(BackupError):
    """A restore refused by a limit or a policy the operator can lift (a setting or a flag): exit code 2."""


def dumped_models() -> list[type[models.Model]]:
    """Every concrete, managed model of every installed app, m2m tables included."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and router.allow_migrate_model(ALIAS, model)
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def _own_fields(model: type[models.Model]) -> list[str]:
    # Only the table's own columns: m2m rows travel as rows of their through table.
    return [f.name for f in model._meta.local_fields if f.serialize]


def applied_migrations() -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[ALIAS]).applied_migrations():
        state.setdefault(app, []).append(name)
    return state


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()
