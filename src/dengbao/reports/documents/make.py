"""``document_make``: the one way a document is made — permission, the records, the
organisation's active template, render, store the next version (audited)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation

from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User

from ..selectors import active_template
from .base import DocumentKind, Made
from .registry import kind as kind_named
from .store import document_store

Progress = Callable[[int, int, str], None]


@translation.override("zh-hans")  # documents print the official Chinese terms, whatever the UI language
def document_make(
    *,
    actor: User | None,
    project: Project,
    kind: str | DocumentKind,
    progress: Progress | None = None,
    **args,
) -> Made:
    """Make and store one document of ``kind``; ``args`` are what its ``prepare`` takes
    (``system=…``, ``assessment=…``, ``import_id=…``). Raises DocumentNotReady with what the
    records lack, Http404 for an object not of the project, PermissionDenied."""
    spec = kind_named(kind) if isinstance(kind, str) else kind
    if actor is not None:  # None: the system itself (the demo, a migration)
        permissions.require(actor, spec.permission, project)
    if progress is not None and spec.progress:
        args["progress"] = progress
    draft = spec.prepare(actor=actor, project=project, **args)
    shipped = spec.template(draft.template)
    custom = (
        active_template(organisation_id=getattr(actor, "organisation_id", None), kind=shipped.key)
        if shipped is not None
        else None
    )
    content = spec.render(draft.data, template=custom)
    document = document_store(
        actor=actor,
        project=project,
        system=draft.system,
        kind=spec.name,
        filename=draft.filename,
        content=content,
        note=draft.note,
        assessment=draft.assessment,
        round_number=draft.round_number,
        template=custom or (shipped.default if shipped is not None else None),
        data=draft.stored,
        pdf=draft.pdf,
    )
    return Made(document, content, parts=draft.parts, problems=draft.problems)
